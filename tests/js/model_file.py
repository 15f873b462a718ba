"""Reads backprop-wasm model files (safetensors) without the library, for
tests/js/model_file_python.test.js, which writes DIR/<name>.safetensors and DIR/<name>.json
({x, n, targets, output, after}) from the WASM module.

  model_file.py numpy DIR   parses each file with numpy alone (read() below) and runs the net
                            it describes in numpy: reports the largest difference from `output`
  model_file.py torch DIR   builds the same nn.Sequential, loads the tensors with strict names and
                            shapes, reports the output's difference, then takes one torch.optim.Adam
                            step from the file's optimizer state and reports the parameters'
                            difference from `after` (the core's next trainStep)

Prints one JSON object: {name: {...differences, scale}}; the test holds the tolerances.
"""
import json
import pathlib
import sys

import numpy as np


def read(path):  # a model file in numpy: what a learner needs to get the weights
    b = pathlib.Path(path).read_bytes()
    n = int.from_bytes(b[:8], 'little')  # u64 header length
    header = json.loads(b[8:8 + n])
    meta = header.pop('__metadata__')  # {format_version, spec (JSON), optimizer.step}
    dtypes = {'F32': '<f4', 'F64': '<f8'}
    tensors = {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], dtypes[v['dtype']]).reshape(v['shape'])
               for k, v in header.items()}
    return tensors, meta


def windows(x, k, s, p, fill):  # [N,C,OH,OW,KH,KW]: every k-window at stride s of x padded by p
    x = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    return np.lib.stride_tricks.sliding_window_view(x, k, axis=(2, 3))[:, :, ::s[0], ::s[1]]


def numpy_forward(spec, t, x):
    for i, l in enumerate(spec['layers']):
        kind, w, b = l['type'], t.get(f'{i}.weight'), t.get(f'{i}.bias')
        if kind == 'conv2d': x = np.einsum('ncijpq,ocpq->noij', windows(x, l['kernel'], l['stride'], l['padding'], 0), w) + b[:, None, None]
        elif kind == 'dense': x = x.reshape(len(x), -1) @ w.T + b
        elif kind == 'flatten': x = x.reshape(len(x), -1)
        elif kind == 'maxpool2d': x = windows(x, l['size'], l['stride'], l['padding'], -np.inf).max(axis=(-2, -1))
        elif kind == 'avgpool2d': x = windows(x, l['size'], l['stride'], l['padding'], 0).mean(axis=(-2, -1))
        elif kind == 'globalmaxpool': x = x.max(axis=(2, 3))
        elif kind == 'globalavgpool': x = x.mean(axis=(2, 3))
        elif kind == 'relu': x = np.maximum(x, 0)
        elif kind == 'leaky_relu': x = np.where(x > 0, x, l['slope'] * x)
        elif kind == 'prelu': x = np.where(x > 0, x, w.reshape((-1,) + (1,) * (x.ndim - 2)) * x)
        elif kind == 'elu': x = np.where(x > 0, x, l['alpha'] * np.expm1(np.minimum(x, 0)))
        elif kind == 'selu': x = 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0)))
        elif kind == 'sigmoid': x = 1 / (1 + np.exp(-x))
        elif kind == 'tanh': x = np.tanh(x)
        else: raise ValueError(f'no numpy forward for {kind}')
    return x


def cases(folder):
    for f in sorted(pathlib.Path(folder).glob('*.safetensors')):
        yield f.stem, f, json.loads(f.with_suffix('.json').read_text())


def check_numpy(folder):
    out = {}
    for name, path, doc in cases(folder):
        t, meta = read(path)
        spec = json.loads(meta['spec'])
        dtype = next(iter(t.values())).dtype
        x = np.array(doc['x'], dtype).reshape([doc['n']] + spec['input'])
        y, want = numpy_forward(spec, t, x), np.array(doc['output']).reshape(doc['n'], -1)
        out[name] = {'dtype': str(dtype), 'output': float(np.abs(y - want).max()), 'scale': float(np.abs(want).max())}
    return out


def check_torch(folder):
    import torch
    import torch.nn.functional as F
    from torch import nn

    try:  # Debian packages no safetensors module; the header is json, the data torch.frombuffer
        from safetensors.torch import load_file
    except ImportError:
        load_file = None

    def torch_read(path):
        b = pathlib.Path(path).read_bytes()
        n = int.from_bytes(b[:8], 'little')
        header = json.loads(b[8:8 + n])
        meta = header.pop('__metadata__')
        dtypes = {'F32': torch.float32, 'F64': torch.float64}
        tensors = {k: torch.frombuffer(bytearray(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]]), dtype=dtypes[v['dtype']]).reshape(v['shape'])
                   for k, v in header.items()}
        return tensors, meta

    class Dense(nn.Linear):  # the core's dense reads its input flat, as if nn.Flatten came first
        def forward(self, x):
            return super().forward(x.flatten(1))

    def module(l, w):  # one layer of the spec as a torch module; parameter shapes from the file
        kind, pair = l['type'], lambda v: tuple(v)
        if kind == 'conv2d': return nn.Conv2d(w.shape[1], w.shape[0], pair(l['kernel']), pair(l['stride']), pair(l['padding']))
        if kind == 'dense': return Dense(w.shape[1], w.shape[0])
        if kind == 'flatten': return nn.Flatten()
        if kind == 'maxpool2d': return nn.MaxPool2d(pair(l['size']), pair(l['stride']), pair(l['padding']))
        if kind == 'avgpool2d': return nn.AvgPool2d(pair(l['size']), pair(l['stride']), pair(l['padding']))  # count_include_pad, as ours
        if kind == 'globalmaxpool': return nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())
        if kind == 'globalavgpool': return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        if kind == 'prelu': return nn.PReLU(w.shape[0])
        if kind == 'leaky_relu': return nn.LeakyReLU(l['slope'])
        if kind == 'elu': return nn.ELU(l['alpha'])
        return {'relu': nn.ReLU, 'selu': nn.SELU, 'sigmoid': nn.Sigmoid, 'tanh': nn.Tanh}[kind]()

    out = {}
    for name, path, doc in cases(folder):
        t, meta = torch_read(path)
        if load_file:  # the library's reader, where installed, gives the same tensors
            assert all(torch.equal(v, t[k]) for k, v in load_file(str(path)).items())
        spec, o = json.loads(meta['spec']), json.loads(meta['spec'])['optimizer']
        dtype = t['0.weight'].dtype
        net = nn.Sequential(*[module(l, t.get(f'{i}.weight')) for i, l in enumerate(spec['layers'])]).to(dtype)
        net.load_state_dict({k: v for k, v in t.items() if not k.startswith('optimizer.')})  # strict: names and shapes
        x = torch.tensor(doc['x'], dtype=dtype).reshape([doc['n']] + spec['input'])
        with torch.no_grad():
            y = net(x)
        want = torch.tensor(doc['output'], dtype=torch.float64).reshape(doc['n'], -1)
        r = {'dtype': str(dtype), 'loader': 'safetensors.torch.load_file' if load_file else 'json + torch.frombuffer',
             'output': float((y.double() - want).abs().max()), 'scale': float(want.abs().max())}
        # The optimizer state: opt.state[p] from "optimizer.<name>.<key>" and __metadata__'s step.
        assert o['type'] == 'adam' and o['decay'] == 0 and o['biasCorrection']
        opt = torch.optim.Adam(net.parameters(), lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'], weight_decay=o['weightDecay'])
        for pname, p in net.named_parameters():
            opt.state[p] = {'step': torch.tensor(float(meta['optimizer.step'])),
                            'exp_avg': t[f'optimizer.{pname}.exp_avg'].clone(), 'exp_avg_sq': t[f'optimizer.{pname}.exp_avg_sq'].clone()}
        loss = F.cross_entropy(net(x), torch.tensor(doc['targets'], dtype=torch.long))
        opt.zero_grad()
        loss.backward()
        opt.step()
        after = dict(net.named_parameters())
        r['after'] = max(float((after[k].detach().double() - torch.tensor(v, dtype=torch.float64).reshape(after[k].shape)).abs().max())
                         for k, v in doc['after'].items())
        r['names'] = sorted(after)
        out[name] = r
    return out


if __name__ == '__main__':
    what, folder = sys.argv[1], sys.argv[2]
    print(json.dumps(check_numpy(folder) if what == 'numpy' else check_torch(folder)))
