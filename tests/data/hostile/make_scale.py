"""Writes the large hostile inputs of issue 15 at test time (too big to commit): files that are small or valid but
reach the readers' worst cases -- many keys, long names, broadcast views, inflating records.

  make_scale.py CASE OUT [N]

CASE is one of:
  pickle-keys N        zip checkpoint: state dict of N tensors (SETITEMS batches), all views of one storage
  pickle-dict N        zip checkpoint: one small tensor and a metadata dict of N int keys (SETITEMS of N)
  safetensors N        N F32 tensors of 2 elements
  safetensors-dup      one entry with "dtype" twice
  long-name N          zip checkpoint with one tensor whose name is N bytes ('trunk.' + 'a'*N + '.weight')
  long-name-st N       the same as safetensors
  cut-utf8             zip checkpoint whose state dict holds a string 'a' + '\\u20ac' * 40 (a warning quotes 60 bytes)
  key-not-utf8         zip checkpoint whose state dict has a non-tensor under a key that is not UTF-8
  expand N             zip checkpoint: a [1, 4] storage expanded to [N, 4] (stride 0), as torch.save writes it
  zip-inflate N        zip checkpoint whose data.pkl is deflated and inflates to N bytes (a long BINBYTES)
  int8-views N         zip checkpoint: 64 int8 tensors trunk.I.bias, each a [N] view (stride 0) of one byte -- N elements each
  int8-big N           zip checkpoint: an int8 storage of N bytes seen as [N/1024, 1024] (per channel) and as [N]
                       (per tensor): integer tensors are quantized in float64, by block
"""
import collections, io, json, os, pickle, struct, sys, zipfile, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torchlike as tl  # noqa: E402


def state_dict_of_views(n):
    st = tl.Storage('FloatStorage', [0.5, -1.0, 0.25, 2.0])
    sd = collections.OrderedDict()
    for i in range(n):
        sd['trunk.%d.bias' % i] = tl.Tensor(st, (2,), (1,), i % 3)
    return sd


def write(out, blob):
    with open(out, 'wb') as f:
        f.write(blob)


def main():
    case, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if case == 'pickle-keys':
        write(out, tl.save_zip(state_dict_of_views(n)))
    elif case == 'pickle-dict':
        sd = tl.small_state_dict()
        write(out, tl.save_zip({'state_dict': sd, 'meta': {i: i for i in range(n)}}))
    elif case == 'safetensors':
        # Written here, not by tl.safetensors_file: its bytes += is quadratic at a million entries.
        header = {'trunk.%d.bias' % i: {'dtype': 'F32', 'shape': [2], 'data_offsets': [8 * i, 8 * i + 8]}
                  for i in range(n)}
        h = json.dumps(header).encode()
        write(out, struct.pack('<Q', len(h)) + h + struct.pack('<2f', 1.0, -0.5) * n)
    elif case == 'safetensors-dup':
        h = b'{"w": {"dtype": "F32", "shape": [2], "dtype": "F16", "data_offsets": [0, 8]}}'
        write(out, struct.pack('<Q', len(h)) + h + struct.pack('<2f', 1.0, 2.0))
    elif case == 'long-name':
        sd = collections.OrderedDict()
        sd['trunk.' + 'a' * n + '.weight'] = tl.Tensor(tl.Storage('FloatStorage', [1.0, -2.0, 0.5, 0.25]), (2, 2))
        sd['trunk.0.bias'] = tl.Tensor(tl.Storage('FloatStorage', [0.5, 0.25]), (2,))
        write(out, tl.save_zip(sd))
    elif case == 'long-name-st':
        raw = struct.pack('<4f', 1.0, -2.0, 0.5, 0.25)
        write(out, tl.safetensors_file([('trunk.' + 'a' * n + '.weight', 'F32', (2, 2), raw),
                                        ('trunk.0.bias', 'F32', (2,), raw[:8])]))
    elif case == 'cut-utf8':
        # A non-tensor value in the state dict is quoted in a warning, cut at 60 bytes: inside a 3-byte character.
        sd = tl.small_state_dict()
        sd['note'] = 'a' + '\u20ac' * 40
        write(out, tl.save_zip({'state_dict': sd}))
    elif case == 'key-not-utf8':
        # A state-dict key that is not UTF-8, holding a non-tensor (so it is skipped with a warning quoting it).
        sd = tl.small_state_dict()
        sd['note.x'] = 5
        pkl, storages = tl.dumps({'state_dict': sd}, 2)
        pkl = pkl.replace(b'note.x', b'note\xffx')  # same length: the BINUNICODE length stays right
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
            z.writestr(tl.zip_info('archive/data.pkl'), pkl)
            z.writestr(tl.zip_info('archive/byteorder'), b'little')
            for key, st in storages:
                z.writestr(tl.zip_info('archive/data/' + key), st.raw)
            z.writestr(tl.zip_info('archive/version'), b'3\n')
        write(out, buf.getvalue())
    elif case == 'expand':
        sd = collections.OrderedDict()
        sd['trunk.0.weight'] = tl.Tensor(tl.Storage('FloatStorage', [1.0, -2.0, 0.5, 0.25]), (n, 4), (0, 1))
        sd['trunk.0.bias'] = tl.Tensor(tl.Storage('FloatStorage', [0.5, 0.25]), (2,))
        write(out, tl.save_zip(sd))
    elif case == 'zip-inflate':
        # BINBYTES8 of n bytes, then STOP: the record deflates to about n/1000 bytes.
        body = b'\x80\x04\x8e' + struct.pack('<Q', n) + b'\0' * n + b'.'
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
            z.writestr(tl.zip_info('archive/data.pkl'), body, compress_type=zipfile.ZIP_DEFLATED)
            z.writestr(tl.zip_info('archive/version'), b'3\n')
        write(out, buf.getvalue())
    elif case == 'int8-views':
        st = tl.Storage('CharStorage', [3])
        sd = collections.OrderedDict()
        for i in range(64):
            sd['trunk.%d.bias' % i] = tl.Tensor(st, (n,), (0,))
        write(out, tl.save_zip(sd))
    elif case == 'int8-big':
        st = tl.Storage('CharStorage', raw=bytes(range(256)) * (n // 256))
        sd = collections.OrderedDict()
        sd['trunk.0.weight'] = tl.Tensor(st, (n // 1024, 1024))
        sd['trunk.0.bias'] = tl.Tensor(st, (n // 256 * 256,))
        write(out, tl.save_zip(sd))
    else:
        sys.exit('unknown case ' + case)


if __name__ == '__main__':
    main()
