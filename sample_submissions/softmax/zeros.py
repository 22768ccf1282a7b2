"""Every function returns zeros of the right shape: what a student who guesses submits. It must earn
(almost) nothing."""

import numpy as np


def softmax(z):
    K = np.shape(z)[0]
    return np.zeros((K,))


def one_hot(y, K):
    return np.zeros((K,))


def cross_entropy(p, y):
    return 0.0


def forward(W, b, x, y):
    K = np.shape(W)[0]
    return np.zeros((K,)), np.zeros((K,)), 0.0


def backward(W, b, x, y):
    K, d = np.shape(W)
    return np.zeros((K, d)), np.zeros((K,))
