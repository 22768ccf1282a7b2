"""Broken: raises while being imported (a file it expects is not there)."""

import numpy as np

WEIGHTS = np.loadtxt("my_weights.txt")


def forward(alpha, beta, x, y):
    return None
