"""Every function returns zeros of the right shape and every constant is 0: what a student who
guesses submits. It must earn (almost) nothing."""

import numpy as np


def forward(V, W, x, y):
    d1 = np.shape(V)[0]
    d2 = np.shape(W)[0]
    return np.zeros((d1,)), np.zeros((d1,)), np.zeros((d2,)), np.zeros((d2,)), 0.0


def grad_z(z, y):
    d2 = np.shape(z)[0]
    return np.zeros((d2,))


def grad_W(grad_z, z, h):
    d1 = np.shape(h)[0]
    d2 = np.shape(grad_z)[0]
    return np.zeros((d2, d1))


def grad_h(grad_z, z, W):
    d1 = np.shape(W)[1]
    return np.zeros((d1,))


def grad_V(grad_h, h, x):
    d0 = np.shape(x)[0]
    d1 = np.shape(grad_h)[0]
    return np.zeros((d1, d0))


def backward(V, W, x, y):
    d0 = np.shape(V)[1]
    d1 = np.shape(V)[0]
    d2 = np.shape(W)[0]
    return np.zeros((d1, d0)), np.zeros((d2, d1))


def update(V, W, grad_V, grad_W, alpha):
    d0 = np.shape(V)[1]
    d1 = np.shape(V)[0]
    d2 = np.shape(W)[0]
    return np.zeros((d1, d0)), np.zeros((d2, d1))


def sgd_step(V, W, x, y, alpha):
    d0 = np.shape(V)[1]
    d1 = np.shape(V)[0]
    d2 = np.shape(W)[0]
    return np.zeros((d1, d0)), np.zeros((d2, d1))
