"""Writes torch.save-shaped files (zip and legacy, protocols 2 and 4) and safetensors without torch.

Stand-in modules named torch, torch._utils and models.encoding make Python's pickle emit exactly the globals,
persistent ids and reduce calls that torch.save writes, so the fuzz seeds and hostile files are realistic."""
import collections, io, pickle, struct, sys, types, zipfile, json

_torch = types.ModuleType('torch')
_utils = types.ModuleType('torch._utils')
_torch._utils = _utils
sys.modules.setdefault('torch', _torch)
sys.modules.setdefault('torch._utils', _utils)


def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
    raise RuntimeError


_rebuild_tensor_v2.__module__ = 'torch._utils'
_utils._rebuild_tensor_v2 = _rebuild_tensor_v2

STORAGE_CLASSES = {}
for cls_name, fmt in [('FloatStorage', 'f'), ('DoubleStorage', 'd'), ('HalfStorage', 'e'), ('LongStorage', 'q'),
                      ('IntStorage', 'i'), ('ShortStorage', 'h'), ('CharStorage', 'b'), ('ByteStorage', 'B'),
                      ('BoolStorage', '?'), ('BFloat16Storage', 'H')]:
    c = type(cls_name, (), {'__module__': 'torch'})
    c.fmt = fmt
    setattr(_torch, cls_name, c)
    STORAGE_CLASSES[cls_name] = c

_models = types.ModuleType('models')
_encoding = types.ModuleType('models.encoding')
sys.modules.setdefault('models', _models)
sys.modules.setdefault('models.encoding', _encoding)


class EncodingConfig:
    """Pickled like a dataclass: NEWOBJ + BUILD with an attribute dict."""
    def __init__(self, **kw):
        self.__dict__.update(kw)


EncodingConfig.__module__ = 'models.encoding'
_encoding.EncodingConfig = EncodingConfig


class Storage:
    def __init__(self, cls_name, values=None, raw=None, numel=None):
        self.cls = STORAGE_CLASSES[cls_name]
        self.raw = raw if raw is not None else struct.pack('<%d%s' % (len(values), self.cls.fmt), *values)
        self.numel = numel if numel is not None else len(self.raw) // struct.calcsize(self.cls.fmt)


class Tensor:
    def __init__(self, storage, shape, stride=None, offset=0):
        if stride is None:
            stride, acc = [], 1
            for s in reversed(shape):
                stride.insert(0, acc)
                acc *= s
        self.storage, self.shape, self.stride, self.offset = storage, tuple(shape), tuple(stride), offset

    def __reduce__(self):
        return (_rebuild_tensor_v2, (self.storage, self.offset, self.shape, self.stride, False,
                                     collections.OrderedDict()))


class _Pickler(pickle.Pickler):
    def __init__(self, f, proto, legacy):
        super().__init__(f, protocol=proto)
        self.legacy, self.keys = legacy, {}

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            key = self.keys.setdefault(id(obj), (str(len(self.keys)), obj))[0]
            pid = ('storage', obj.cls, key, 'cpu', obj.numel)
            return pid + (None,) if self.legacy else pid
        return None


def dumps(obj, proto=2, legacy=False):
    f = io.BytesIO()
    p = _Pickler(f, proto, legacy)
    p.dump(obj)
    return f.getvalue(), [v for v in p.keys.values()]


def zip_info(name):
    """A record with a fixed timestamp, so that regenerated files are byte-identical."""
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))


def save_zip(obj, folder='archive', proto=2, compress_pkl=False):
    pkl, storages = dumps(obj, proto)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(zip_info(folder + '/data.pkl'), pkl,
                   compress_type=zipfile.ZIP_DEFLATED if compress_pkl else zipfile.ZIP_STORED)
        z.writestr(zip_info(folder + '/byteorder'), b'little')
        for key, st in storages:
            z.writestr(zip_info(folder + '/data/' + key), st.raw)
        z.writestr(zip_info(folder + '/version'), b'3\n')
    return buf.getvalue()


MAGIC = 0x1950a86a20f9469cfc6c


def save_legacy(obj, proto=2):
    f = io.BytesIO()
    for v in (MAGIC, 1001, {'protocol_version': 1001, 'little_endian': True,
                            'type_sizes': {'short': 2, 'int': 4, 'long': 4}}):
        pickle.dump(v, f, protocol=proto)
    p = _Pickler(f, proto, True)
    p.dump(obj)
    keys = sorted(p.keys.values(), key=lambda kv: kv[0])
    pickle.dump([k for k, _ in keys], f, protocol=proto)
    for _, st in keys:
        f.write(struct.pack('<q', st.numel))
        f.write(st.raw)
    return f.getvalue()


def small_state_dict():
    w = Storage('FloatStorage', [0.5 * i - 3 for i in range(24)])
    sd = collections.OrderedDict()
    sd['trunk.0.weight'] = Tensor(w, (4, 6))
    sd['trunk.0.bias'] = Tensor(Storage('FloatStorage', [0.1, -0.2, 0.3, 0.4]), (4,))
    sd['trunk.3.weight'] = Tensor(w, (3, 4), (1, 6), 2)  # a transposed view into the same storage
    sd['trunk.3.bias'] = Tensor(Storage('HalfStorage', [1.0, -2.0, 0.5]), (3,))
    sd['analog_head.weight'] = Tensor(Storage('DoubleStorage', [1.5, -1.0, 0.25, 2.0, 0.0, 1.0]), (2, 3))
    sd._metadata = collections.OrderedDict({'': {'version': 1}})
    return sd


def small_tensors():
    return [('trunk.0.weight', 'F32', (2, 3), struct.pack('<6f', 1, -2, 3, 0.5, 0.25, -1)),
            ('trunk.0.bias', 'F16', (2,), struct.pack('<2e', 0.5, -0.5)),
            ('trunk.3.weight', 'BF16', (1, 2), struct.pack('<2H', 0x3f80, 0xbf80))]


def safetensors_file(tensors, metadata=None):
    header, body = {}, b''
    if metadata is not None:
        header['__metadata__'] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [len(body), len(body) + len(raw)]}
        body += raw
    h = json.dumps(header).encode()
    return struct.pack('<Q', len(h)) + h + body


def small_manifest():
    m = {'format': 'mlp_int8_v1', 'architecture': {'model_type': 'mlp', 'hidden_dim': 2, 'trunk_dim': 1},
         'total_weight_bytes': 8,
         'shard_map': {'num_shards': 1, 'shards': [{'index': 0, 'offset': 0, 'size': 8}]},
         'weights': {'layer_weights': {}, 'embeddings': {}, 'heads': {},
                     'projections': {
                         'trunk.0.bias': {'offset': 0, 'size': 2, 'shape': [2], 'quantization': 'per_tensor_symmetric',
                                          'scale': 0.01, 'snr_db': 40.0,
                                          'error': {'mse': 1e-5, 'max_abs_error': 0.004, 'snr_db': 40.0,
                                                    'relative_error_pct': 1.0}},
                         'trunk.0.weight': {'offset': 2, 'size': 6, 'shape': [2, 3],
                                            'quantization': 'per_channel_symmetric', 'scales': [0.02, 0.03],
                                            'snr_db': None,
                                            'error': {'mse': 0.0, 'max_abs_error': 0.0, 'snr_db': None,
                                                      'relative_error_pct': 0.0},
                                            'strategy': {'name': 'per_channel_percentile', 'percentile': 99.0}}}},
         'error_summary': {'num_2d_weights': 1, 'mean_snr_db': 0, 'min_snr_db': 0, 'max_snr_db': 0},
         'encoding_config': {'bins': [1, 2]}, 'context_len': 8,
         'overrides': {'format': 'quantlens_overrides_v1',
                       'overrides': [{'match': 'trunk.0.weight', 'strategy': 'per_channel_percentile',
                                      'percentile': 99.0}]}}
    return json.dumps(m).encode() + b'\0' + bytes(range(8))
