#!/usr/bin/python3
"""Builds the seed corpora of the fuzz targets from the committed fixtures (called by make_corpus.sh).

Small inputs only: libFuzzer mutates faster on small files, so big checkpoints contribute their data.pkl and
their structure (repacked with tiny storages) rather than their megabytes."""
import io, json, os, pickle, struct, sys, zipfile

root = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(root, '..', 'data')
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'corpus')
sys.path.insert(0, os.path.join(data, 'hostile'))
import torchlike  # noqa: E402


def put(target, name, blob):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(blob)


zips = [f for f in sorted(os.listdir(data)) if f.endswith('.pt')]
for f in zips:
    path = os.path.join(data, f)
    raw = open(path, 'rb').read()
    if raw[:4] != b'PK\x03\x04':
        # legacy: the chained pickles without the storage bytes, and a truncated copy with a few storages
        put('legacy', f, raw[:4096])
        continue
    z = zipfile.ZipFile(path)
    for info in z.infolist():
        if info.filename.endswith('data.pkl'):
            put('unpickler', f + '.pkl', z.read(info))
    if len(raw) <= 64 * 1024:
        put('zip', f, raw)
    else:  # same records, storages cut to 64 bytes: the reader must refuse the size mismatch, views and all
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as w:
            for info in z.infolist():
                blob = z.read(info)
                w.writestr(info.filename, blob if not '/data/' in info.filename else blob[:64])
        put('zip', f + '.cut', buf.getvalue())

# Well-formed small checkpoints in both containers and both protocols, so mutations start from valid files.
for proto in (2, 4):
    sd = torchlike.small_state_dict()
    obj = {'epoch': 3, 'model_state_dict': sd, 'val_loss': 0.5,
           'encoding_config': torchlike.EncodingConfig(context_len=8, bins=[1, 2, 3]), 'context_len': 8}
    put('zip', f'small-p{proto}.pt', torchlike.save_zip(obj, 'small', proto))
    put('legacy', f'small-p{proto}.pt', torchlike.save_legacy(obj, proto))
    put('unpickler', f'small-p{proto}.pkl', torchlike.dumps(obj, proto)[0])
# the hostile files of tst_hostile: each format's corpus gets its own (and zips give their data.pkl too)
hostile = os.path.join(data, 'hostile')
for name in sorted(os.listdir(hostile)):
    p = os.path.join(hostile, name)
    if not os.path.isfile(p) or os.path.getsize(p) > 65536 or name.endswith('.py'):
        continue
    raw = open(p, 'rb').read()
    if raw[:4] == b'PK\x03\x04':
        put('zip', name, raw)
        try:
            z = zipfile.ZipFile(p)
            for n in z.namelist():
                if n.endswith('data.pkl'):
                    put('unpickler', name + '.pkl', z.read(n))
        except Exception:
            pass
    elif raw[:1] == b'\x80':
        put('legacy', name, raw)
    elif name.endswith('.safetensors'):
        put('safetensors', name, raw)

# safetensors: the fixture is 1.5 MB; keep its header with a cut body, plus a small well-formed file
raw = open(os.path.join(data, 'mamba2-small.safetensors'), 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
put('safetensors', 'mamba2-small.header', raw[:8 + n + 64])
put('safetensors', 'small.safetensors', torchlike.safetensors_file(torchlike.small_tensors(), {'context_len': '8'}))

golden = os.path.join(data, 'golden')
for case in sorted(os.listdir(golden)):
    d = os.path.join(golden, case)
    if os.path.exists(os.path.join(d, 'luts.json')):
        put('luts_json', case + '.json', open(os.path.join(d, 'luts.json'), 'rb').read())
    if os.path.exists(os.path.join(d, 'manifest.json')):
        # the golden folder cut down to its small tensors, offsets and total rewritten: a consistent small folder
        m = json.loads(open(os.path.join(d, 'manifest.json'), 'rb').read())
        raw = open(os.path.join(d, 'weights_int8.bin'), 'rb').read()
        out_bytes, at = b'', 0
        for group, entries in m['weights'].items():
            for name in list(entries):
                e = entries[name]
                if e['size'] > 64 or len(out_bytes) > 2048:
                    del entries[name]
                    continue
                out_bytes += raw[e['offset']:e['offset'] + e['size']]
                e['offset'] = at
                at += e['size']
        m['total_weight_bytes'] = at
        m['shard_map'] = {'num_shards': 1, 'shards': [{'index': 0, 'offset': 0, 'size': at}]}
        put('manifest', case + '.folder', json.dumps(m).encode() + b'\0' + out_bytes)
# a small consistent folder: manifest + NUL + weights
put('manifest', 'small.folder', torchlike.small_manifest())

put('overrides', 'basic.json', b'{"format": "quantlens_overrides_v1", "overrides": [{"match": "layers.*", '
    b'"strategy": "per_channel_percentile", "percentile": 99.9}, {"match": "*_head.weight", "strategy": '
    b'"per_tensor_mse"}, {"match": "trunk.[0-3].weight", "strategy": "per_channel_absmax"}]}')
put('overrides', 'empty.json', b'{"format": "quantlens_overrides_v1", "overrides": []}')

# fuzz_folder: the small consistent folder with each file kind (3 bits per file, in the order manifest.json,
# luts.json, luts.bin, weights_int8.bin: 0/1 regular, 2 absent, 3 folder, 4 FIFO, 5 -> /dev/zero, 6 looping link,
# 7 sparse 10 GB), and the golden LUTs beside it.
luts_json = open(os.path.join(golden, 'luts-default', 'luts.json'), 'rb').read()
luts_bin = open(os.path.join(golden, 'luts-default', 'luts.bin'), 'rb').read()
manifest, weights = torchlike.small_manifest().split(b'\0', 1)
for kinds in [0, 2, 3, 4, 5, 6, 7, 4 << 3, 5 << 3, 3 << 6, 4 << 9, 5 << 9, 7 << 9, 3 << 9, 2 << 3]:
    put('folder', 'kinds-%04x.folder' % kinds,
        struct.pack('<H', kinds) + b''.join(struct.pack('<I', len(b)) + b for b in (manifest, luts_json, luts_bin))
        + weights)

# fuzz_scale: recipes [case][count u16][name length u16][flags][pattern length][pattern][alphabet]
def recipe(case, count, length, flags, pattern, alphabet):
    return bytes([case]) + struct.pack('<HHB', count, length, flags) + bytes([len(pattern)]) + pattern + alphabet
for case in range(3):
    put('scale', 'keys-%d.recipe' % case, recipe(case, 50000, 8, 8 * (case == 0), b'trunk.*weight', b'trunk.'))
    put('scale', 'long-%d.recipe' % case, recipe(case, 4, 50000, 1 | 16, b'trunk.*weight', b'a'))
    put('scale', 'dups-%d.recipe' % case, recipe(case, 20000, 30, 2 | 4, b'*a*a*a*a*b', b'ab'))
