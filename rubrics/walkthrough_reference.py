"""Reference implementation for rubrics/walkthrough.yaml (forward/backward walkthrough, weight initialisation).

Conventions of the handout: x ∈ ℝ^{d0}, V is d1×d0, W is d2×d1, no biases;
a = Vx, h = s(a), b = Wh, z = s(b), ℓ = ½‖y − z‖² with s the sigmoid.
Ω = diag(z ∘ (1 − z)), Λ = diag(h ∘ (1 − h)).  Each backward function takes
its upstream gradient as a parameter, so one slip does not carry to later parts.
"""

import numpy as np


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


# -- 1 (a): forward pass --------------------------------------------------------


def forward(V, W, x, y):
    a = V @ x
    h = sigmoid(a)
    b = W @ h
    z = sigmoid(b)
    loss = 0.5 * float(np.sum((y - z) ** 2))
    return a, h, b, z, loss


# -- 1 (c)–(f): backward pass, one step at a time --------------------------------


def grad_z(z, y):
    """∇zℓ = z − y."""
    return z - y


def grad_W(grad_z, z, h):
    """∇Wℓ = Ω ∇zℓ hᵀ, shape d2×d1."""
    return np.outer(z * (1 - z) * grad_z, h)


def grad_h(grad_z, z, W):
    """∇hℓ = Wᵀ Ω ∇zℓ, shape d1."""
    return W.T @ (z * (1 - z) * grad_z)


def grad_V(grad_h, h, x):
    """∇Vℓ = Λ ∇hℓ xᵀ, shape d1×d0."""
    return np.outer(h * (1 - h) * grad_h, x)


def backward(V, W, x, y):
    """The whole chain: (∇Vℓ, ∇Wℓ) from the parameters, as backpropagation computes them."""
    _, h, _, z, _ = forward(V, W, x, y)
    gz = grad_z(z, y)
    return grad_V(grad_h(gz, z, W), h, x), grad_W(gz, z, h)


# -- 1 (h) and section 2: gradient descent ------------------------------------------


def update(V, W, grad_V, grad_W, alpha):
    """V ← V − α∇Vℓ, W ← W − α∇Wℓ."""
    return V - alpha * grad_V, W - alpha * grad_W


def sgd_step(V, W, x, y, alpha):
    """One stochastic gradient descent step on the single point (x, y)."""
    gV, gW = backward(V, W, x, y)
    return update(V, W, gV, gW, alpha)


# -- known wrong answers, named in the rubric's `mistakes` ------------------------------


def forward_no_half(V, W, x, y):
    a, h, b, z, _ = forward(V, W, x, y)
    return a, h, b, z, float(np.sum((y - z) ** 2))


def forward_mean(V, W, x, y):
    a, h, b, z, _ = forward(V, W, x, y)
    return a, h, b, z, 0.5 * float(np.mean((y - z) ** 2))


def grad_z_sign_flipped(z, y):
    return y - z


def grad_W_no_omega(grad_z, z, h):
    return np.outer(grad_z, h)


def grad_W_sigma_prime_of_activation(grad_z, z, h):
    s = sigmoid(z)
    return np.outer(s * (1 - s) * grad_z, h)


def grad_W_transposed(grad_z, z, h):
    return np.outer(h, z * (1 - z) * grad_z)


def grad_h_no_omega(grad_z, z, W):
    return W.T @ grad_z


def grad_h_sigma_prime_of_activation(grad_z, z, W):
    s = sigmoid(z)
    return W.T @ (s * (1 - s) * grad_z)


def grad_V_no_lambda(grad_h, h, x):
    return np.outer(grad_h, x)


def grad_V_sigma_prime_of_activation(grad_h, h, x):
    s = sigmoid(h)
    return np.outer(s * (1 - s) * grad_h, x)


def grad_V_transposed(grad_h, h, x):
    return np.outer(x, h * (1 - h) * grad_h)


def grad_V_reshaped(grad_h, h, x):
    """x δᵀ (d0×d1) forced into d1×d0 with reshape instead of building δ xᵀ."""
    return np.outer(x, h * (1 - h) * grad_h).reshape(len(h), len(x))


def update_ascent(V, W, grad_V, grad_W, alpha):
    return V + alpha * grad_V, W + alpha * grad_W


def _backward_with(V, W, x, y, grad_z=grad_z, grad_W=grad_W, grad_h=grad_h, grad_V=grad_V):
    """backward() with some of its pieces replaced by known wrong ones."""
    _, h, _, z, _ = forward(V, W, x, y)
    gz = grad_z(z, y)
    return grad_V(grad_h(gz, z, W), h, x), grad_W(gz, z, h)


def backward_sign_flipped(V, W, x, y):
    return _backward_with(V, W, x, y, grad_z=grad_z_sign_flipped)


def backward_no_omega(V, W, x, y):
    return _backward_with(V, W, x, y, grad_W=grad_W_no_omega, grad_h=grad_h_no_omega)


def backward_no_lambda(V, W, x, y):
    return _backward_with(V, W, x, y, grad_V=grad_V_no_lambda)


def backward_sigma_prime_of_activation(V, W, x, y):
    return _backward_with(V, W, x, y, grad_W=grad_W_sigma_prime_of_activation,
                          grad_h=grad_h_sigma_prime_of_activation, grad_V=grad_V_sigma_prime_of_activation)


def backward_reshaped(V, W, x, y):
    return _backward_with(V, W, x, y, grad_V=grad_V_reshaped)


def sgd_step_ascent(V, W, x, y, alpha):
    gV, gW = backward(V, W, x, y)
    return V + alpha * gV, W + alpha * gW


def sgd_step_w_first(V, W, x, y, alpha):
    """W updated first, so ∇hℓ (and with it ∇Vℓ) is computed with the new W."""
    _, h, _, z, _ = forward(V, W, x, y)
    gz = grad_z(z, y)
    W_new = W - alpha * grad_W(gz, z, h)
    return V - alpha * grad_V(grad_h(gz, z, W_new), h, x), W_new


def sgd_step_no_omega(V, W, x, y, alpha):
    gV, gW = backward_no_omega(V, W, x, y)
    return update(V, W, gV, gW, alpha)
