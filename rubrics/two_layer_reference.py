"""Reference implementation for rubrics/two_layer.yaml (NYU Deep Learning HW1 theory: two-layer neural nets).

Notation of the handout: x ∈ ℝⁿ, W⁽¹⁾ (m×n), b⁽¹⁾ (m), W⁽²⁾ (K×m), b⁽²⁾ (K),
z₁ = W⁽¹⁾x + b⁽¹⁾, z₂ = f(z₁), z₃ = W⁽²⁾z₂ + b⁽²⁾, ŷ = g(z₃).
Jacobians are in numerator layout: ∂ŷ/∂z₃ is K×K with entry (i, j) = ∂ŷᵢ/∂z₃ⱼ,
∂ℓ/∂ŷ is a row vector V (returned as a 1-D array of length K), and the chain of
1.2(c)/1.3(c) multiplies left to right: ∂ℓ/∂z₃ = V (∂ŷ/∂z₃).  Every gradient has
the shape of its parameter.

Regression (1.2): f = 5·ReLU (ReLU′(0) = 0), g = identity, ℓ = ‖ŷ − y‖² (a sum, no ½).
Classification (1.3): f = tanh, g = σ, ℓ = (1/K) Σᵢ −[yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)];
1.3(d)iii also takes ℓ = ‖ŷ − y‖² on the same network (V = 2(ŷ − y)ᵀ).
1.4(e): one gradient-descent step of the regression net on a batch, ℓ = ‖Ŷ − Y‖²
summed over the N examples.
"""

import numpy as np


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


# -- 1.2 regression: f = 5·ReLU, g = identity, ℓ = ‖ŷ − y‖² -------------------


def regression_forward(W1, b1, W2, b2, x):
    z1 = W1 @ x + b1
    z2 = 5.0 * np.maximum(z1, 0.0)
    z3 = W2 @ z2 + b2
    y_hat = z3.copy()
    return z1, z2, z3, y_hat


def mse_loss(y_hat, y):
    return float(np.sum((y_hat - y) ** 2))


def regression_objective(W1, b1, W2, b2, x, y):
    return mse_loss(regression_forward(W1, b1, W2, b2, x)[3], y)


def regression_dz2_dz1(z1):
    """M = ∂z₂/∂z₁: diagonal, 5 where z₁ > 0 and 0 elsewhere (ReLU′(0) = 0)."""
    return np.diag(np.where(z1 > 0, 5.0, 0.0))


def regression_dyhat_dz3(z3):
    """g is the identity: ∂ŷ/∂z₃ = I (K×K)."""
    return np.eye(z3.shape[0])


def regression_dl_dyhat(y_hat, y):
    """V = 2(ŷ − y)ᵀ."""
    return 2.0 * (y_hat - y)


# -- 1.2(c) / 1.3(c): the chain rule, given the upstream derivatives ----------


def grad_b2(dl_dyhat, dyhat_dz3):
    """∂ℓ/∂b⁽²⁾ = ∂ℓ/∂z₃ = (∂ℓ/∂ŷ)(∂ŷ/∂z₃)."""
    return dl_dyhat @ dyhat_dz3


def grad_W2(dl_dyhat, dyhat_dz3, z2):
    """∂ℓ/∂W⁽²⁾ = (∂ℓ/∂z₃)ᵀ z₂ᵀ, shape K×m (the shape of W⁽²⁾)."""
    return np.outer(dl_dyhat @ dyhat_dz3, z2)


def grad_b1(dl_dyhat, dyhat_dz3, W2, dz2_dz1):
    """∂ℓ/∂b⁽¹⁾ = (∂ℓ/∂ŷ)(∂ŷ/∂z₃) W⁽²⁾ (∂z₂/∂z₁), shape m."""
    return dl_dyhat @ dyhat_dz3 @ W2 @ dz2_dz1


def grad_W1(dl_dyhat, dyhat_dz3, W2, dz2_dz1, x):
    """∂ℓ/∂W⁽¹⁾ = (∂ℓ/∂z₁)ᵀ xᵀ, shape m×n (the shape of W⁽¹⁾)."""
    return np.outer(dl_dyhat @ dyhat_dz3 @ W2 @ dz2_dz1, x)


def _chain(V, P, W2, M, z2, x):
    dz3 = V @ P
    dz1 = dz3 @ W2 @ M
    return np.outer(dz1, x), dz1, np.outer(dz3, z2), dz3


def regression_backward(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = regression_forward(W1, b1, W2, b2, x)
    return _chain(regression_dl_dyhat(y_hat, y), regression_dyhat_dz3(z3), W2, regression_dz2_dz1(z1), z2, x)


# -- 1.3 classification: f = tanh, g = σ, ℓ = mean BCE over the K outputs -------


def classification_forward(W1, b1, W2, b2, x):
    z1 = W1 @ x + b1
    z2 = np.tanh(z1)
    z3 = W2 @ z2 + b2
    y_hat = sigmoid(z3)
    return z1, z2, z3, y_hat


def bce_loss(y_hat, y):
    return float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))


def classification_objective(W1, b1, W2, b2, x, y):
    return bce_loss(classification_forward(W1, b1, W2, b2, x)[3], y)


def classification_dz2_dz1(z1):
    """M = diag(1 − tanh²(z₁)) = diag(1 − z₂²)."""
    return np.diag(1.0 - np.tanh(z1) ** 2)


def classification_dyhat_dz3(z3):
    """P = diag(ŷ(1 − ŷ)) with ŷ = σ(z₃)."""
    s = sigmoid(z3)
    return np.diag(s * (1.0 - s))


def classification_dl_dyhat(y_hat, y):
    """Vᵢ = (1/K)((1 − yᵢ)/(1 − ŷᵢ) − yᵢ/ŷᵢ)."""
    return ((1 - y) / (1 - y_hat) - y / y_hat) / y.shape[0]


def classification_backward(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    return _chain(classification_dl_dyhat(y_hat, y), classification_dyhat_dz3(z3), W2,
                  classification_dz2_dz1(z1), z2, x)


# -- 1.3(d)iii, first version: ℓ = ‖ŷ − y‖² on the classification network -------


def classification_mse_dl_dyhat(y_hat, y):
    """V = 2(ŷ − y)ᵀ."""
    return 2.0 * (y_hat - y)


def classification_mse_backward(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    return _chain(classification_mse_dl_dyhat(y_hat, y), classification_dyhat_dz3(z3), W2,
                  classification_dz2_dz1(z1), z2, x)


# -- 1.4(e): one training step of the regression net on a batch -----------------


def batch_loss(W1, b1, W2, b2, X, Y):
    """ℓ = ‖Ŷ − Y‖², Ŷ = F_θ(D) row by row, summed over the N examples."""
    Z2 = 5.0 * np.maximum(X @ W1.T + b1, 0.0)
    Y_hat = Z2 @ W2.T + b2
    return float(np.sum((Y_hat - Y) ** 2))


def _batch_gradients(W1, b1, W2, b2, X, Y):
    grads = [regression_backward(W1, b1, W2, b2, x, y) for x, y in zip(X, Y)]
    return [sum(g[i] for g in grads) for i in range(4)]


def train_step(W1, b1, W2, b2, X, Y, lr):
    """θ ← θ − η ∂ℓ/∂θ with ℓ summed over the batch."""
    dW1, db1, dW2, db2 = _batch_gradients(W1, b1, W2, b2, X, Y)
    return W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2


# -- known wrong answers, named in the rubric's `mistakes` ---------------------


def regression_dz2_dz1_no_factor5(z1):
    return np.diag(np.where(z1 > 0, 1.0, 0.0))


def regression_backward_no_factor5(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = regression_forward(W1, b1, W2, b2, x)
    return _chain(regression_dl_dyhat(y_hat, y), regression_dyhat_dz3(z3), W2,
                  regression_dz2_dz1_no_factor5(z1), z2, x)


def regression_dl_dyhat_no_2(y_hat, y):
    return y_hat - y


def regression_backward_no_2(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = regression_forward(W1, b1, W2, b2, x)
    return _chain(regression_dl_dyhat_no_2(y_hat, y), regression_dyhat_dz3(z3), W2,
                  regression_dz2_dz1(z1), z2, x)


def classification_dz2_dz1_at_z1(z1):
    return np.diag(1.0 - z1 ** 2)


def classification_backward_tanh_at_z1(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    return _chain(classification_dl_dyhat(y_hat, y), classification_dyhat_dz3(z3), W2,
                  classification_dz2_dz1_at_z1(z1), z2, x)


def classification_dl_dyhat_no_mean(y_hat, y):
    return (1 - y) / (1 - y_hat) - y / y_hat


def classification_backward_no_mean(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    return _chain(classification_dl_dyhat_no_mean(y_hat, y), classification_dyhat_dz3(z3), W2,
                  classification_dz2_dz1(z1), z2, x)


def classification_backward_no_sigma_prime(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    return _chain(classification_dl_dyhat(y_hat, y), np.eye(z3.shape[0]), W2,
                  classification_dz2_dz1(z1), z2, x)


def classification_dyhat_dz3_at_z3(z3):
    """σ′ written as ŷ(1 − ŷ) but with z₃ in place of ŷ = σ(z₃)."""
    return np.diag(z3 * (1.0 - z3))


def regression_dz2_dz1_one_at_zero(z1):
    return np.diag(np.where(z1 >= 0, 5.0, 0.0))


def train_step_ascent(W1, b1, W2, b2, X, Y, lr):
    dW1, db1, dW2, db2 = _batch_gradients(W1, b1, W2, b2, X, Y)
    return W1 + lr * dW1, b1 + lr * db1, W2 + lr * dW2, b2 + lr * db2


def train_step_mean(W1, b1, W2, b2, X, Y, lr):
    n = X.shape[0]
    dW1, db1, dW2, db2 = _batch_gradients(W1, b1, W2, b2, X, Y)
    return W1 - lr * dW1 / n, b1 - lr * db1 / n, W2 - lr * dW2 / n, b2 - lr * db2 / n


def batch_loss_mean(W1, b1, W2, b2, X, Y):
    return batch_loss(W1, b1, W2, b2, X, Y) / X.shape[0]


def _train_step_with(backward, W1, b1, W2, b2, X, Y, lr):
    grads = [backward(W1, b1, W2, b2, x, y) for x, y in zip(X, Y)]
    dW1, db1, dW2, db2 = [sum(g[i] for g in grads) for i in range(4)]
    return W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2


def train_step_no_factor5(W1, b1, W2, b2, X, Y, lr):
    return _train_step_with(regression_backward_no_factor5, W1, b1, W2, b2, X, Y, lr)


def train_step_no_2(W1, b1, W2, b2, X, Y, lr):
    return _train_step_with(regression_backward_no_2, W1, b1, W2, b2, X, Y, lr)


def classification_mse_dl_dyhat_no_2(y_hat, y):
    return y_hat - y


def classification_mse_dl_dyhat_bce(y_hat, y):
    """The BCE's V given for the MSE question."""
    return classification_dl_dyhat(y_hat, y)


def _classification_mse_chain(W1, b1, W2, b2, x, y, dl_dyhat=classification_mse_dl_dyhat,
                              dyhat_dz3=classification_dyhat_dz3, dz2_dz1=classification_dz2_dz1):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    return _chain(dl_dyhat(y_hat, y), dyhat_dz3(z3), W2, dz2_dz1(z1), z2, x)


def classification_mse_backward_no_2(W1, b1, W2, b2, x, y):
    return _classification_mse_chain(W1, b1, W2, b2, x, y, dl_dyhat=classification_mse_dl_dyhat_no_2)


def classification_mse_backward_no_sigma_prime(W1, b1, W2, b2, x, y):
    return _classification_mse_chain(W1, b1, W2, b2, x, y, dyhat_dz3=lambda z3: np.eye(z3.shape[0]))


def classification_mse_backward_bce(W1, b1, W2, b2, x, y):
    return _classification_mse_chain(W1, b1, W2, b2, x, y, dl_dyhat=classification_dl_dyhat)


def classification_mse_backward_tanh_at_z1(W1, b1, W2, b2, x, y):
    return _classification_mse_chain(W1, b1, W2, b2, x, y, dz2_dz1=classification_dz2_dz1_at_z1)
