"""Networks: datasets, BinaryConnect training (numpy), model files and the reference models; no chemistry here.

Modules: :mod:`nn.network` (the :class:`~nn.network.Network` data type), :mod:`nn.datasets` (loaders),
:mod:`nn.idx` (MNIST's IDX files), :mod:`nn.reference` (the paper's trained networks as JSON),
:mod:`nn.binaryconnect` (training) and :mod:`nn.modelfile` (``model.npz`` + ``model.json``).
"""
