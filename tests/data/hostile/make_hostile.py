#!/usr/bin/python3
"""Writes the hostile inputs of tests/core/tst_hostile.cpp into this folder (the outputs are committed).

Every file is small; the "bombs" only *claim* huge sizes. Code-running payloads would create the file
/tmp/quantlens-hostile-pwned if anything ever executed them; the test checks that it never appears.
Run: /usr/bin/python3 tests/data/hostile/make_hostile.py"""
import collections, copyreg, json, os, pickle, struct, subprocess, sys, zlib

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import torchlike as tl  # noqa: E402

SENTINEL = '/tmp/quantlens-hostile-pwned'
CMD_BIN = b'X' + struct.pack('<I', len('touch ' + SENTINEL)) + ('touch ' + SENTINEL).encode()  # BINUNICODE
golden = os.path.join(here, '..', 'golden')
CMD = 'touch ' + SENTINEL


def write(name, blob):
    with open(os.path.join(here, name), 'wb') as f:
        f.write(blob)


def write_dir(name, files):
    d = os.path.join(here, name)
    os.makedirs(d, exist_ok=True)
    for fn, blob in files.items():
        with open(os.path.join(d, fn), 'wb') as f:
            f.write(blob)


class Reduce:
    """Pickles as `fn(*args)`: GLOBAL/STACK_GLOBAL + REDUCE."""
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class NewObj:
    """Pickles as `cls.__new__(cls, *args)` + BUILD(state): NEWOBJ + BUILD."""
    def __init__(self, cls, args, state):
        self.cls, self.args, self.state = cls, args, state

    @property
    def __class__(self):  # pickle checks that NEWOBJ's class is the object's class
        return self.cls

    def __reduce_ex__(self, proto):
        return (copyreg.__newobj__, (self.cls,) + tuple(self.args), self.state)


def ckpt(extra, proto, name):
    obj = {'epoch': 1, 'model_state_dict': tl.small_state_dict()}
    obj.update(extra)
    return tl.save_zip(obj, name, proto)


def zip_with_pickle(pkl, folder='archive', storages=()):
    """A torch-like zip archive around a hand-written data.pkl."""
    import io, zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(tl.zip_info(folder + '/data.pkl'), pkl)
        for key, raw in storages:
            z.writestr(tl.zip_info(folder + '/data/' + key), raw)
        z.writestr(tl.zip_info(folder + '/version'), b'3\n')
    return buf.getvalue()


# ---- code-running pickles -------------------------------------------------------------------------------------
for proto in (2, 4):
    write(f'rce-posix-system-p{proto}.pt', ckpt({'encoding_config': Reduce(os.system, (CMD,))}, proto, 'rce'))
    write(f'rce-builtins-eval-p{proto}.pt', ckpt({'val_loss': Reduce(eval, ('__import__("os").system("%s")' % CMD,))},
                                                proto, 'rce'))
    write(f'rce-builtins-exec-p{proto}.pt', ckpt({'config': Reduce(exec, ('import os; os.system("%s")' % CMD,))},
                                                proto, 'rce'))
    write(f'rce-subprocess-popen-p{proto}.pt', ckpt({'context_len': Reduce(subprocess.Popen, (CMD.split(),))},
                                                   proto, 'rce'))
    # NEWOBJ of an unknown class creates an attribute dict by design (data-only dataclasses): nothing is called.
    write(f'newobj-popen-build-p{proto}.pt',
          ckpt({'encoding_config': NewObj(subprocess.Popen, (CMD.split(),), {'args': CMD, 'returncode': 0})},
               proto, 'newobj'))
# os.system as the text "os", "system" (what a hand-written exploit uses), via GLOBAL and via STACK_GLOBAL
write('rce-os-system-global.pt', zip_with_pickle(b'\x80\x02cos\nsystem\n' + CMD_BIN + b'\x85R.'))
write('rce-os-system-stack-global.pt', zip_with_pickle(b'\x80\x04\x8c\x02os\x8c\x06system\x93' +
                                                       CMD_BIN + b'\x85R.'))
# INST (protocol 0) and OBJ (protocol 1) call their class directly
write('rce-inst.pt', zip_with_pickle(b"(S'" + CMD.encode() + b"'\nios\nsystem\n."))
write('rce-obj.pt', zip_with_pickle(b'(cbuiltins\neval\nS\'__import__("os").system("' + CMD.encode() + b'")\'\no.'))
# torch's own allow-listed wrapper forwarding to a forbidden callable
write('rce-rebuild-from-type.pt', zip_with_pickle(
    b'\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(cposix\nsystem\ncbuiltins\nobject\n' + CMD_BIN + b'\x85}tR.'))
# NEWOBJ(builtins.eval) and then REDUCE on the object it made
write('rce-newobj-then-reduce.pt', zip_with_pickle(
    b'\x80\x02cbuiltins\neval\n)\x81' + CMD_BIN + b'\x85R.'))
# BUILD aimed at a callable: pickle would call its __setstate__
write('rce-build-on-global.pt', zip_with_pickle(b'\x80\x02cposix\nsystem\n}b.'))
# copyreg._reconstructor(posix.system, builtins.object, state): only plain objects are accepted
write('rce-reconstructor.pt', zip_with_pickle(
    b'\x80\x02ccopyreg\n_reconstructor\ncposix\nsystem\ncbuiltins\nint\nK\x00\x87R.'))
# extension registry codes name arbitrary callables indirectly
write('rce-ext1.pt', zip_with_pickle(b'\x80\x02\x82\x01)R.'))

# ---- allocation bombs -----------------------------------------------------------------------------------------
s4 = tl.Storage('FloatStorage', [1.0, 2.0, 3.0, 4.0])
write('bomb-shape-1e15.pt', tl.save_zip({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(s4, (10**15,), (1,))})}, 'bomb'))
write('bomb-stride0-1e15.pt', tl.save_zip({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(s4, (10**15,), (0,))})}, 'bomb'))
write('bomb-shape-2d-overflow.pt', tl.save_zip({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(s4, (2**40, 2**40), (0, 0))})}, 'bomb'))
write('bomb-storage-numel-1e15.pt', tl.save_zip({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(tl.Storage('FloatStorage', raw=b'\0' * 16, numel=10**15), (4,))})}, 'bomb'))
write('bomb-storage-numel-wraps.pt', tl.save_zip({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(tl.Storage('FloatStorage', raw=b'\0' * 16, numel=2**62), (4,))})}, 'bomb'))
# many full views of one storage: each is in bounds, together they claim far more than the file
big = tl.Storage('FloatStorage', raw=b'\0' * 16384)
write('bomb-many-views.pt', tl.save_zip({'model_state_dict': collections.OrderedDict(
    {'trunk.%d.weight' % i: tl.Tensor(big, (4096,)) for i in range(400)})}, 'bomb', 4))
# legacy: the element count before the storage bytes claims 10^15
leg = bytearray(tl.save_legacy({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(tl.Storage('FloatStorage', [1.0, 2.0]), (2,))})}))
leg[-16:-8] = struct.pack('<q', 10**15)
write('bomb-legacy-count.pt', bytes(leg))
leg[-16:-8] = struct.pack('<q', -1)
write('bomb-legacy-count-negative.pt', bytes(leg))
# legacy: the storage list names a storage twice, and its bytes are missing
leg = tl.save_legacy({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(tl.Storage('FloatStorage', [1.0, 2.0]), (2,))})})
write('bomb-legacy-truncated.pt', leg[:-6])
# pickle length fields: LONG4, BINUNICODE8, BINBYTES8, FRAME claiming huge sizes; a memo index of 2^32 - 1
write('bomb-long4.pt', zip_with_pickle(b'\x80\x02\x8b\xff\xff\xff\xff.'))
write('bomb-binunicode8.pt', zip_with_pickle(b'\x80\x04\x8d' + struct.pack('<Q', 2**63) + b'.'))
write('bomb-binbytes8.pt', zip_with_pickle(b'\x80\x04\x8e' + struct.pack('<Q', 2**64 - 1) + b'.'))
write('bomb-memo-put-4g.pt', zip_with_pickle(b'\x80\x02]r\xff\xff\xff\xff.'))
write('bomb-memo-get-4g.pt', zip_with_pickle(b'\x80\x02]j\xff\xff\xff\xff.'))
write('bomb-memo-stride.pt', zip_with_pickle(b'\x80\x02]' + b''.join(b'r' + struct.pack('<I', i * 60000)
                                                                     for i in range(1, 100)) + b'.'))
# safetensors: header length 2^63; a tensor claiming 10^15 elements; overlapping data ranges reused 1000 times
write('bomb-safetensors-header-2e63.safetensors', struct.pack('<Q', 2**63) + b'{"a":1}')
hdr = json.dumps({'w': {'dtype': 'F32', 'shape': [10**15], 'data_offsets': [0, 16]}}).encode()
write('bomb-safetensors-shape-1e15.safetensors', struct.pack('<Q', len(hdr)) + hdr + b'\0' * 16)
hdr = json.dumps({'w': {'dtype': 'F32', 'shape': [2**32, 2**32, 2**32], 'data_offsets': [0, 16]}}).encode()
write('bomb-safetensors-shape-overflow.safetensors', struct.pack('<Q', len(hdr)) + hdr + b'\0' * 16)
hdr = json.dumps({'trunk.%d.weight' % i: {'dtype': 'F32', 'shape': [4096], 'data_offsets': [0, 16384]}
                  for i in range(400)}).encode()
write('bomb-safetensors-overlap.safetensors', struct.pack('<Q', len(hdr)) + hdr + b'\0' * 16384)

# ---- deep nesting ---------------------------------------------------------------------------------------------
# Megabytes of brackets: tst_hostile.cpp builds the same inputs in memory, so they are only written on request
# (make_hostile.py --deep DIR), e.g. to measure the CLI's peak RSS on them.
def deep_files(out):
    global here
    saved, here = here, out
    try:
        N = 10**6
        # 10^6 lists, each appended into the one below: a 10^6-deep list as the encoding_config
        write('deep-lists.pt', zip_with_pickle(b'\x80\x02}(X\x10\x00\x00\x00model_state_dict}X\x0f\x00\x00\x00encoding_config' +
                                               b']' * N + b'a' * (N - 1) + b'u.'))
        write('deep-tuples.pt', zip_with_pickle(b'\x80\x02}(X\x10\x00\x00\x00model_state_dictccollections\nOrderedDict\n)R'
                                                b'X\x06\x00\x00\x00configN' + b'\x85' * N + b'u.'))
        write('deep-marks.pt', zip_with_pickle(b'\x80\x02' + b'(' * N + b't' * N + b'.'))
        # a 10^6-deep JSON value in the safetensors metadata and header, and in manifest.json / luts.json / overrides
        inner = json.dumps('[' * N + ']' * N)
        hdr = ('{"__metadata__": {"encoding_config": %s}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}'
               % inner).encode()
        write('deep-safetensors-metadata.safetensors', struct.pack('<Q', len(hdr)) + hdr + b'\0' * 4)
        hdr = ('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": %s}}' % ('[' * N + ']' * N)).encode()
        write('deep-safetensors-header.safetensors', struct.pack('<Q', len(hdr)) + hdr + b'\0' * 4)
        man = json.loads(tl.small_manifest().split(b'\0')[0])
        man['encoding_config'] = '@DEEP@'
        write_dir('manifest-deep', {'manifest.json': json.dumps(man).replace('"@DEEP@"', '[' * N + ']' * N).encode(),
                                    'weights_int8.bin': bytes(8)})
        write_dir('luts-deep', {'luts.json': b'{"format": "int8_luts_v1", "luts": ' + b'[' * N + b']' * N + b'}'})
        write_dir('overrides-deep', {'overrides.json': b'{"format": "quantlens_overrides_v1", "overrides": [' +
                                     b'{"match": "a", "strategy": "per_tensor_absmax", "x": ' + b'[' * N + b']' * N + b'}]}'})
    finally:
        here = saved


if len(sys.argv) > 2 and sys.argv[1] == '--deep':
    os.makedirs(sys.argv[2], exist_ok=True)
    deep_files(sys.argv[2])


# ---- cyclic memo references -----------------------------------------------------------------------------------
head = b'\x80\x02}(X\x10\x00\x00\x00model_state_dictccollections\nOrderedDict\n)RX\x0f\x00\x00\x00encoding_config'
# a list that contains itself
write('cycle-list-self.pt', zip_with_pickle(head + b']q\x00h\x00au.'))
# a dict that contains itself under a key, reached through an object's attributes (dataclass)
write('cycle-object-state.pt', zip_with_pickle(
    head + b'cmodels.encoding\nEncodingConfig\n)\x81q\x00}q\x01X\x04\x00\x00\x00selfh\x00sbu.'))
# 40 levels of a list holding the previous one twice: 2^40 values when expanded, 200 bytes when shared
write('cycle-dag-2e40.pt', zip_with_pickle(
    head + b']q\x00' + b''.join(b'0(h%ch%clq%c' % (i - 1, i - 1, i) for i in range(1, 41)) + b'u.'))
# a list containing itself used as a tensor shape
storage_pid = b'(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ'
write('cycle-tensor-shape.pt', zip_with_pickle(
    b'\x80\x02}(X\x10\x00\x00\x00model_state_dictccollections\nOrderedDict\n)R(X\x0e\x00\x00\x00trunk.0.weight'
    b'ctorch._utils\n_rebuild_tensor_v2\n(' + storage_pid + b'K\x00]q\x00h\x00aK\x01\x85\x89ccollections\nOrderedDict\n)Rt'
    b'Ruu.', storages=[('0', b'\0' * 16)]))
# the state dict contains itself: not a tensor, skipped with a warning
write('cycle-state-dict-self.pt', zip_with_pickle(
    b'\x80\x02}(X\x10\x00\x00\x00model_state_dict}q\x00X\x04\x00\x00\x00selfh\x00su.'))


# ---- lying zip headers ----------------------------------------------------------------------------------------
def raw_zip(records, cd_offset_delta=0, cd_size_delta=0, entries_claim=None, tail=b''):
    """records: dicts with name, data, and optional method, csize, usize, offset (local header offset override),
    local_name, zip64 (usize, csize) extra in the central directory."""
    out, central = b'', b''
    for r in records:
        data = r['data']
        method = r.get('method', 0)
        payload = zlib.compress(data)[2:-4] if method == 8 else data
        crc = zlib.crc32(data)
        csize = r.get('csize', len(payload))
        usize = r.get('usize', len(data))
        local_name = r.get('local_name', r['name']).encode()
        offset = len(out)
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, method, 0, 0, crc, min(csize, 0xffffffff),
                           min(usize, 0xffffffff), len(local_name), 0) + local_name + payload
        extra = b''
        c32, u32 = csize, usize
        if 'zip64' in r:
            u, c = r['zip64']
            extra = struct.pack('<HHQQ', 1, 16, u, c)
            c32 = u32 = 0xffffffff
        name = r['name'].encode()
        central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, method, 0, 0, crc, c32, u32, len(name),
                               len(extra), 0, 0, 0, 0, r.get('offset', offset)) + name + extra
    cd_offset = len(out)
    n = entries_claim if entries_claim is not None else len(records)
    eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, min(n, 0xffff), min(n, 0xffff), len(central) + cd_size_delta,
                       cd_offset + cd_offset_delta, 0)
    return out + central + eocd + tail


good_pkl, _ = tl.dumps({'model_state_dict': collections.OrderedDict(
    {'trunk.0.weight': tl.Tensor(tl.Storage('FloatStorage', [1.0, -2.0, 3.0, 0.5]), (2, 2))})}, 2)
good = [{'name': 'z/data.pkl', 'data': good_pkl}, {'name': 'z/data/0', 'data': struct.pack('<4f', 1, -2, 3, .5)}]
write('zip-valid-baseline.pt', raw_zip(good))
write('zip-entry-2e40.pt', raw_zip([good[0], dict(good[1], zip64=(2**40, 2**40))]))
write('zip-cd-offset-beyond-eof.pt', raw_zip(good, cd_offset_delta=10**9))
write('zip-cd-size-lies.pt', raw_zip(good, cd_size_delta=-30))
write('zip-local-offset-beyond-eof.pt', raw_zip([good[0], dict(good[1], offset=10**9)]))
write('zip-entries-claim.pt', raw_zip(good, entries_claim=0xffff))
write('zip-csize-beyond-eof.pt', raw_zip([good[0], dict(good[1], csize=10**6, usize=10**6)]))
write('zip-stored-size-mismatch.pt', raw_zip([good[0], dict(good[1], usize=4)]))
# overlapping records: the central directory sends data/0 to data.pkl's local header (whose name differs)
write('zip-overlap.pt', raw_zip([good[0], dict(good[1], offset=0)]))
# data.pkl's sizes (stored, both lying alike) reach over the next record
write('zip-overlap-size.pt', raw_zip([dict(good[0], csize=len(good_pkl) + 60, usize=len(good_pkl) + 60), good[1]]))
# the local header names another record than the central directory does
write('zip-local-name-mismatch.pt', raw_zip([good[0], dict(good[1], local_name='z/data/9')]))
# data.pkl deflated with a lying uncompressed size: larger than it inflates to, and a 2^40 claim
write('zip-deflated-pkl-size-lies.pt', raw_zip([dict(good[0], method=8, usize=len(good_pkl) + 100), good[1]]))
write('zip-deflated-pkl-claims-2e40.pt', raw_zip([dict(good[0], method=8, zip64=(2**40, len(
    zlib.compress(good_pkl)[2:-4]))), good[1]]))
# a deflated data.pkl that is honest: valid-but-odd, must load
write('zip-deflated-pkl-honest.pt', raw_zip([dict(good[0], method=8), good[1]]))
# zip bomb: a storage record of 96 MiB of zeros deflated to ~95 KB
bomb = bytes(96 << 20)
write('zip-bomb.pt', raw_zip([good[0], {'name': 'z/data/0', 'data': bomb, 'method': 8}]))
# not a zip at all after the signature
write('zip-signature-only.pt', b'PK\x03\x04' + bytes(40))

# ---- valid-but-odd inputs that must load correctly ------------------------------------------------------------
write('odd-tied-weights-p4.pt', tl.save_zip({'model_state_dict': tl.small_state_dict(), 'context_len': 8}, 'odd', 4))
write('odd-legacy-p4.pt', tl.save_legacy({'model_state_dict': tl.small_state_dict(), 'context_len': 8}, 4))
write('odd-non-utf8-config.pt', zip_with_pickle(
    b'\x80\x02}(X\x10\x00\x00\x00model_state_dictccollections\nOrderedDict\n)RX\x0f\x00\x00\x00encoding_config}'
    b'X\x04\x00\x00\x00name' + b'U\x03\xff\xfe\x80' + b'sU\x02\xc3\x28K\x01su.'))
write('bad-non-utf8-tensor-name.pt', zip_with_pickle(
    b'\x80\x02}(X\x10\x00\x00\x00model_state_dict}(U\x02\xff\xfectorch._utils\n_rebuild_tensor_v2\n(' + storage_pid +
    b'K\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRuu.', storages=[('0', b'\0' * 16)]))
# a filler record whose name length puts the float storage at an offset of 1 mod 4
filler = next('z/pad' + 'x' * k for k in range(4)
              if (30 + 10 + len(good_pkl) + 30 + 5 + k + 30 + 8) % 4 == 1)
write('odd-misaligned-float.pt', raw_zip([{'name': 'z/data.pkl', 'data': good_pkl}, {'name': filler, 'data': b''},
                                          {'name': 'z/data/0', 'data': struct.pack('<4f', 1, -2, 3, .5)}]))

# control characters in names: the CLI must print them escaped (ESC ] sets the terminal title, ESC [2J clears it)
ESC_NAME = 'trunk.0.bias\x1b]0;pwned\x07\x1b[2J\x9b31m'
esc = collections.OrderedDict()
esc['trunk.0.weight'] = tl.Tensor(tl.Storage('FloatStorage', [0.5 * i - 3 for i in range(24)]), (4, 6))
esc[ESC_NAME] = tl.Tensor(tl.Storage('FloatStorage', [0.1, -0.2, 0.3, 0.4]), (4,))
write('odd-escape-in-name.pt', tl.save_zip({'model_state_dict': esc}, 'odd', 2))
esc = collections.OrderedDict()
esc['trunk.0.weight\x1b[2J\x1b[31m'] = tl.Tensor(tl.Storage('FloatStorage', [1.0, float('nan'), 2.0, 3.0]), (2, 2))
write('bad-escape-nan.pt', tl.save_zip({'model_state_dict': esc}, 'bad', 2))

# ---- JSON readers ---------------------------------------------------------------------------------------------
man = json.loads(tl.small_manifest().split(b'\0')[0])
m = json.loads(json.dumps(man)); m['total_weight_bytes'] = 10**15
write_dir('manifest-total-1e15', {'manifest.json': json.dumps(m).encode(), 'weights_int8.bin': bytes(8)})
m = json.loads(json.dumps(man)); m['weights']['projections']['trunk.0.bias']['offset'] = 2**64 - 1
write_dir('manifest-offset-wraps', {'manifest.json': json.dumps(m).encode(), 'weights_int8.bin': bytes(8)})
m = json.loads(json.dumps(man)); m['weights']['projections']['trunk.0.weight']['shape'] = [-1, -6]
m['weights']['projections']['trunk.0.weight']['scales'] = [0.1]
write_dir('manifest-negative-shape', {'manifest.json': json.dumps(m).encode(), 'weights_int8.bin': bytes(8)})
m = json.loads(json.dumps(man)); m['weights']['projections']['trunk.0.weight']['size'] = 2**63
m['weights']['projections']['trunk.0.weight']['shape'] = [-1, 1]
write_dir('manifest-size-2e63', {'manifest.json': json.dumps(m).encode(), 'weights_int8.bin': bytes(8)})
m = json.loads(json.dumps(man)); m['weights']['projections']['trunk.0.weight']['shape'] = [2, 1000]
write_dir('manifest-shape-size-mismatch', {'manifest.json': json.dumps(m).encode(), 'weights_int8.bin': bytes(8)})
m = json.loads(json.dumps(man)); m['weights']['projections']['trunk.0.weight']['size'] = -9.2e19
write_dir('manifest-float-size', {'manifest.json': json.dumps(m).encode(), 'weights_int8.bin': bytes(8)})
m = json.loads(json.dumps(man)); m['weights']['projections']['trunk.0.weight']['shape'] = [2.5e30, 3]
write_dir('manifest-float-shape', {'manifest.json': json.dumps(m).encode(), 'weights_int8.bin': bytes(8)})
write_dir('manifest-valid', {'manifest.json': json.dumps(man).encode(), 'weights_int8.bin': bytes(range(8))})
write_dir('manifest-not-utf8', {'manifest.json': b'{"format": "\xff\xfe"}', 'weights_int8.bin': b''})
luts = json.loads(open(os.path.join(golden, 'luts-default', 'luts.json')).read())
lj = json.loads(json.dumps(luts)); lj['luts'][1]['input_scale'] = 1e999
write_dir('luts-infinite-scale', {'luts.json': json.dumps(lj).replace('Infinity', '1e999').encode()})
lj = json.loads(json.dumps(luts)); lj['luts'][0]['output_scale'] = -0.5
write_dir('luts-negative-scale', {'luts.json': json.dumps(lj).encode()})
write_dir('overrides-bad-percentile', {'overrides.json': b'{"format": "quantlens_overrides_v1", "overrides": '
                                       b'[{"match": "*", "strategy": "per_tensor_percentile", "percentile": 1e999}]}'})
write_dir('overrides-not-object', {'overrides.json': b'[[[[]]]]'})
print('written to', here)
