"""The Fashion-MNIST network and batched inference, shared by train_fashion.py (training,
evaluation, checkpoint check) and fashion_fixtures.py (fixture logits and top-3).

Model: torchvision.models.efficientnet.EfficientNet built from
  _efficientnet_conf("efficientnet_b0", width_mult=W, depth_mult=D), num_classes=10,
  default norm layer nn.BatchNorm2d (eps=1e-5, momentum=0.1), SiLU everywhere.
"""

import torch
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf


def build_model(width, depth, dropout, stochastic_depth):
    setting, last_channel = _efficientnet_conf("efficientnet_b0", width_mult=width, depth_mult=depth)
    return EfficientNet(setting, dropout=dropout, stochastic_depth_prob=stochastic_depth,
                        num_classes=10, last_channel=last_channel)


@torch.no_grad()
def predict(model, x, bs=500, fmt=torch.contiguous_format):
    """Logits for x [N,3,32,32] (already normalised), in eval() mode, in batches of bs."""
    model.eval()
    return torch.cat([model(x[i:i + bs].contiguous(memory_format=fmt)) for i in range(0, x.shape[0], bs)])
