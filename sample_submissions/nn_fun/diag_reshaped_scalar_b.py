"""Neural Networks Are Fun, wrong (one mistake): b = W₂ẑ kept as a one-element array of shape (1,) (no
.item()), so b, ŷ and the loss come back as arrays instead of floats."""

import numpy as np

# -- 2: chain rule -------------------------------------------------------------


def product_partials(x):
    u, v = np.sin(x), x ** 2
    return v, u, np.cos(x), 2 * x          # dy/du = v, dy/dv = u, du/dx, dv/dx


def chain_rule(dy_du, dy_dv, du_dx, dv_dx):
    return dy_du * du_dx + dy_dv * dv_dx


def product_derivative(x):
    return chain_rule(*product_partials(x))


def product_rule(u, v, du_dx, dv_dx):
    return u * dv_dx + v * du_dx


def quotient_rule(u, v, du_dx, dv_dx):
    # y = q(u, v) = u / v: dy/du = 1/v, dy/dv = -u/v^2
    return chain_rule(1 / v, -u / v ** 2, du_dx, dv_dx)


def quotient_derivative(x):
    return quotient_rule(np.sin(x), x ** 2, np.cos(x), 2 * x)


# -- 3.1: forward pass -----------------------------------------------------------

NUM_WEIGHT_MATRICES = 2
W1_SHAPE = (2, 3)
W2_SHAPE = (1, 3)


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def forward(W1, W2, x, y):
    a = W1 @ np.insert(x, 0, 1)
    z = np.maximum(0, a)
    b = W2 @ np.insert(z, 0, 1)
    y_hat = sigmoid(b)
    loss = (y - y_hat) ** 2
    return a, z, b, y_hat, loss


def classify(y_hat):
    return int(y_hat >= 0.5)


# -- 3.2: backpropagation ---------------------------------------------------------


def dJ_dyhat(y, y_hat):
    return -2 * (y - y_hat)


def dyhat_db(b):
    return sigmoid(b) * (1 - sigmoid(b))


def db_dW2(z):
    return np.insert(z, 0, 1).reshape(1, -1)


def grad_W2(dJ_db, z):
    return dJ_db * db_dW2(z)


def db_dz(W2):
    return W2[0, 1:]


def dz_da(a):
    return np.where(a > 0, 1.0, 0.0)


def da_dW1(x):
    return np.insert(x, 0, 1)


def grad_W1(dJ_dz, a, x):
    delta = dJ_dz * dz_da(a)
    return np.outer(delta, da_dW1(x))


def backward(W1, W2, x, y):
    a, z, b, y_hat, loss = forward(W1, W2, x, y)
    dJ_db = dJ_dyhat(y, y_hat) * dyhat_db(b)
    return grad_W1(dJ_db * db_dz(W2), a, x), grad_W2(dJ_db, z)


def update(W1, W2, dW1, dW2, eta):
    return W1 - eta * dW1, W2 - eta * dW2


# -- 3.3: parameter counting --------------------------------------------------------

PARAMS_FIRST_LINEAR = 6
PARAMS_FIRST_ACTIVATION = 0
PARAMS_TOTAL = 9
