#!/usr/bin/python3
"""effnet's seeded network as an ONNX graph, for the peers of `npm run bench` (onnxruntime-web/-node).

Reads DIR/plan.json and DIR/weights.bin (written by scripts/onnx/dump-seeded.mjs: effnet's own plan
and seeded weights, Keras names, TF layouts) and writes one ONNX model, layer by layer as the plan
lists them: NCHW, Conv with explicit pads = the plan's [top, left, bottom, right] (TF 'same'),
BatchNormalization unfolded (onnxruntime folds it, as effnet does), swish as Sigmoid·x. The batch
dimension is symbolic ('N'), so one file serves every batch size.

    /usr/bin/python3 scripts/onnx/export_onnx.py DIR OUT.onnx

Needs numpy and onnx (Debian: python3-onnx); opset 13.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def export(plan, data):
    def weight(name):
        w = plan['weights'][name]
        n = int(np.prod(w['shape']))
        return data[w['offset']:w['offset'] + n].reshape(w['shape'])

    nodes, inits = [], []
    alias = {'input': 'input'}  # layer name -> the ONNX value holding its output

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def activate(kind, x, out, name):
        if kind == 'swish':
            nodes.append(helper.make_node('Sigmoid', [x], [out + '/sigmoid'], name=name + '/sigmoid'))
            nodes.append(helper.make_node('Mul', [x, out + '/sigmoid'], [out], name=name + '/mul'))
        elif kind == 'sigmoid':
            nodes.append(helper.make_node('Sigmoid', [x], [out], name=name))
        elif kind == 'relu':
            nodes.append(helper.make_node('Relu', [x], [out], name=name))
        else:
            raise ValueError(f'{name}: activation {kind!r} has no ONNX mapping here')

    for layer in plan['layers']:
        name, kind = layer['name'], layer['kind']
        xs = [alias[i] for i in layer['inputs']]
        out = name
        if kind in ('conv2d', 'depthwiseConv2d'):
            k = layer['kernel']
            if kind == 'conv2d':
                w = weight(name + '/kernel').transpose(3, 2, 0, 1)            # HWIO -> OIHW
                group = 1
            else:
                w = weight(name + '/depthwise_kernel').transpose(2, 3, 0, 1)  # [kh, kw, C, 1] -> [C, 1, kh, kw]
                group = w.shape[0]
            ins = [xs[0], init(name + '/kernel', w)]
            if layer.get('useBias'):
                ins.append(init(name + '/bias', weight(name + '/bias')))
            act = layer.get('activation', 'none')
            conv_out = out if act == 'none' else out + '/conv'
            nodes.append(helper.make_node('Conv', ins, [conv_out], name=name, kernel_shape=[k, k],
                                          strides=[layer['stride']] * 2, pads=list(layer['pads']), group=group))
            if act != 'none':
                activate(act, conv_out, out, name + '/' + act)
        elif kind == 'batchNorm':
            ins = [xs[0]] + [init(f'{name}/{r}', weight(f'{name}/{r}')) for r in ('gamma', 'beta', 'moving_mean', 'moving_variance')]
            nodes.append(helper.make_node('BatchNormalization', ins, [out], name=name, epsilon=layer['epsilon']))
        elif kind == 'activation':
            activate(layer['activation'], xs[0], out, name)
        elif kind == 'globalAvgPool':
            # Keras's GlobalAveragePooling2D gives [N, C]; the SE reshape puts the 1×1 back.
            nodes.append(helper.make_node('GlobalAveragePool', xs, [out + '/pool'], name=name))
            nodes.append(helper.make_node('Flatten', [out + '/pool'], [out], name=name + '/flatten', axis=1))
        elif kind == 'reshape':
            shape = name + '/shape'
            inits.append(numpy_helper.from_array(np.array([0, -1, 1, 1], dtype=np.int64), shape))
            nodes.append(helper.make_node('Reshape', [xs[0], shape], [out], name=name))
        elif kind == 'multiply':
            nodes.append(helper.make_node('Mul', xs, [out], name=name))
        elif kind == 'add':
            nodes.append(helper.make_node('Add', xs, [out], name=name))
        elif kind == 'dropout':
            out = xs[0]  # identity at inference
        elif kind == 'dense':
            ins = [xs[0], init(name + '/kernel', weight(name + '/kernel')), init(name + '/bias', weight(name + '/bias'))]
            nodes.append(helper.make_node('Gemm', ins, [out], name=name))
            if layer.get('activation', 'none') != 'none':
                raise ValueError(f'{name}: dense activation {layer["activation"]!r} not exported')
        else:
            raise ValueError(f'{name}: layer kind {kind!r} has no ONNX mapping here')
        alias[name] = out

    last = alias[plan['layers'][-1]['name']]
    nodes.append(helper.make_node('Identity', [last], ['logits'], name='logits'))
    r = plan['resolution']
    graph = helper.make_graph(
        nodes, f"effnet_{plan['variant']}_r{r}_seed{plan['seed']}",
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 3, r, r])],
        [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', plan['numClasses']])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                              producer_name='effnet scripts/onnx/export_onnx.py', producer_version=onnx.__version__)
    model.doc_string = f"effnet seeded weights: variant {plan['variant']}, resolution {r}, seed {plan['seed']}"
    onnx.checker.check_model(model)
    return model


def main(argv):
    if len(argv) != 3 or argv[1] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    src, dst = argv[1], argv[2]
    with open(os.path.join(src, 'plan.json'), encoding='utf-8') as f:
        plan = json.load(f)
    data = np.fromfile(os.path.join(src, 'weights.bin'), dtype='<f4')
    model = export(plan, data)
    tmp = dst + '.tmp'
    onnx.save(model, tmp)
    os.replace(tmp, dst)
    print(f'{dst}: {len(model.graph.node)} nodes, {sum(int(np.prod(t.dims)) for t in model.graph.initializer):,} values')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
