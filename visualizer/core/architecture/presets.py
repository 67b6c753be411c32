"""The preset architectures: torchvision's VGG, AlexNet and ResNet, LeNet-5 and the course's MNIST nets."""

from __future__ import annotations

from typing import Any, Callable

from visualizer.core.architecture.schema import Architecture, LayerSpec, normalize_params
from visualizer.core.errors import UserInputError

def _L(type_name: str, **params: Any) -> LayerSpec:
    return LayerSpec(type_name, normalize_params(type_name, params))


_VGG_CFGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}


def _vgg(key: str, batch_norm: bool) -> Architecture:
    """torchvision's VGG: features, AdaptiveAvgPool2d((7, 7)), flatten, classifier."""
    layers: list[LayerSpec] = []
    for v in _VGG_CFGS[key]:
        if v == "M":
            layers.append(_L("MaxPool2d", kernel_size=2, stride=2))
        else:
            layers.append(_L("Conv2d", out_channels=v, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(_L("BatchNorm2d"))
            layers.append(_L("ReLU"))
    layers += [
        _L("AdaptiveAvgPool2d", output_size=[7, 7]),
        _L("Flatten"),
        _L("Linear", out_features=4096), _L("ReLU"), _L("Dropout", p=0.5),
        _L("Linear", out_features=4096), _L("ReLU"), _L("Dropout", p=0.5),
        _L("Linear", out_features=1000),
    ]
    name = key + ("-bn" if batch_norm else "")
    return Architecture((3, 224, 224), layers, name,
                        f"torchvision's {key.upper()}{' with batch norm' if batch_norm else ''}, ImageNet input")


def _alexnet() -> Architecture:
    """torchvision's AlexNet (the one-GPU variant of 'One weird trick')."""
    layers = [
        _L("Conv2d", out_channels=64, kernel_size=11, stride=4, padding=2), _L("ReLU"),
        _L("MaxPool2d", kernel_size=3, stride=2),
        _L("Conv2d", out_channels=192, kernel_size=5, padding=2), _L("ReLU"),
        _L("MaxPool2d", kernel_size=3, stride=2),
        _L("Conv2d", out_channels=384, kernel_size=3, padding=1), _L("ReLU"),
        _L("Conv2d", out_channels=256, kernel_size=3, padding=1), _L("ReLU"),
        _L("Conv2d", out_channels=256, kernel_size=3, padding=1), _L("ReLU"),
        _L("MaxPool2d", kernel_size=3, stride=2),
        _L("AdaptiveAvgPool2d", output_size=[6, 6]),
        _L("Flatten"),
        _L("Dropout", p=0.5), _L("Linear", out_features=4096), _L("ReLU"),
        _L("Dropout", p=0.5), _L("Linear", out_features=4096), _L("ReLU"),
        _L("Linear", out_features=1000),
    ]
    return Architecture((3, 224, 224), layers, "alexnet", "torchvision's AlexNet, ImageNet input")


def _lenet5() -> Architecture:
    """LeCun et al. 1998 on a 32×32 image: C1, S2, C3, S4, C5 (a 5×5 conv to 1×1), F6, output."""
    layers = [
        _L("Conv2d", out_channels=6, kernel_size=5), _L("Tanh"),
        _L("AvgPool2d", kernel_size=2),
        _L("Conv2d", out_channels=16, kernel_size=5), _L("Tanh"),
        _L("AvgPool2d", kernel_size=2),
        _L("Conv2d", out_channels=120, kernel_size=5), _L("Tanh"),
        _L("Flatten"),
        _L("Linear", out_features=84), _L("Tanh"),
        _L("Linear", out_features=10),
    ]
    return Architecture((1, 32, 32), layers, "lenet5", "LeNet-5 (LeCun et al. 1998), 1×32×32 input")


def _mnist_net(name: str, widths: tuple[int, int, int]) -> Architecture:
    """The course's MNIST CNN: three 3×3 conv blocks (conv, BN, ReLU), two 2×2 max pools, FC 10."""
    a, b, c = widths
    layers = [
        _L("Conv2d", out_channels=a, kernel_size=3, padding=1), _L("BatchNorm2d"), _L("ReLU"),
        _L("MaxPool2d", kernel_size=2, stride=2),
        _L("Conv2d", out_channels=b, kernel_size=3, padding=1), _L("BatchNorm2d"), _L("ReLU"),
        _L("MaxPool2d", kernel_size=2, stride=2),
        _L("Conv2d", out_channels=c, kernel_size=3, padding=1), _L("BatchNorm2d"), _L("ReLU"),
        _L("Flatten"),
        _L("Linear", out_features=10),
        _L("Softmax"),
    ]
    return Architecture((1, 28, 28), layers, name,
                        f"course MNIST CNN with {a}, {b} and {c} kernels")


def _resnet(name: str, blocks: tuple[int, int, int, int]) -> Architecture:
    """torchvision's ResNet with BasicBlocks (resnet18: 2, 2, 2, 2; resnet34: 3, 4, 6, 3), named as
    torchvision names its modules (layer2.0.conv1, layer2.0.downsample.0, ...)."""
    def named(spec: LayerSpec, label: str) -> LayerSpec:
        spec.name = label
        return spec

    layers = [
        named(_L("Conv2d", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False), "conv1"),
        named(_L("BatchNorm2d"), "bn1"), named(_L("ReLU"), "relu"),
        named(_L("MaxPool2d", kernel_size=3, stride=2, padding=1), "maxpool"),
    ]
    channels = 64
    for stage, (width, count) in enumerate(zip((64, 128, 256, 512), blocks), start=1):
        for b in range(count):
            stride = 2 if stage > 1 and b == 0 else 1
            main = [
                named(_L("Conv2d", out_channels=width, kernel_size=3, stride=stride, padding=1, bias=False), "conv1"),
                named(_L("BatchNorm2d"), "bn1"), named(_L("ReLU"), "relu"),
                named(_L("Conv2d", out_channels=width, kernel_size=3, padding=1, bias=False), "conv2"),
                named(_L("BatchNorm2d"), "bn2"),
            ]
            shortcut = []
            if stride != 1 or channels != width:
                shortcut = [
                    named(_L("Conv2d", out_channels=width, kernel_size=1, stride=stride, bias=False), "downsample.0"),
                    named(_L("BatchNorm2d"), "downsample.1"),
                ]
            layers.append(LayerSpec("Residual", {"activation": "ReLU"}, f"layer{stage}.{b}", main, shortcut))
            channels = width
    layers += [named(_L("AdaptiveAvgPool2d", output_size=[1, 1]), "avgpool"), named(_L("Flatten"), "flatten"),
               named(_L("Linear", out_features=1000), "fc")]
    return Architecture((3, 224, 224), layers, name, f"torchvision's {name.replace('resnet', 'ResNet-')}, "
                        f"ImageNet input")


PRESETS: dict[str, Callable[[], Architecture]] = {
    "vgg11": lambda: _vgg("vgg11", False), "vgg11-bn": lambda: _vgg("vgg11", True),
    "vgg13": lambda: _vgg("vgg13", False), "vgg13-bn": lambda: _vgg("vgg13", True),
    "vgg16": lambda: _vgg("vgg16", False), "vgg16-bn": lambda: _vgg("vgg16", True),
    "vgg19": lambda: _vgg("vgg19", False), "vgg19-bn": lambda: _vgg("vgg19", True),
    "lenet5": _lenet5,
    "alexnet": _alexnet,
    "mnist-net1": lambda: _mnist_net("mnist-net1", (8, 16, 32)),
    "mnist-net2": lambda: _mnist_net("mnist-net2", (2, 4, 8)),
    "resnet18": lambda: _resnet("resnet18", (2, 2, 2, 2)),
    "resnet34": lambda: _resnet("resnet34", (3, 4, 6, 3)),
}
"""Preset name -> factory: vgg11, vgg11-bn, ..., vgg19-bn, lenet5, alexnet, mnist-net1, mnist-net2,
resnet18, resnet34."""


def preset_names() -> list[str]:
    return sorted(PRESETS)


def preset(name: str) -> Architecture:
    """A fresh copy of a preset; UserInputError listing the known names when unknown."""
    key = str(name).strip().lower().replace("_", "-")
    if key.endswith("bn") and not key.endswith("-bn") and key[:-2] in PRESETS:
        key = key[:-2] + "-bn"  # "vgg16bn" / "vgg16_bn" as torchvision spells it
    if key not in PRESETS:
        raise UserInputError(f"unknown preset {name!r}; presets: {', '.join(preset_names())}")
    return PRESETS[key]()
