"""Reference implementation for rubrics/nn_fun.yaml ("Chain Rule Is All You Need", "Neural Networks Are Fun").

Section 2: y = m(u, v) with u = g(x) = sin x, v = h(x) = x²; m(x₁, x₂) = x₁x₂ (product) or
q(x₁, x₂) = x₁/x₂ (quotient).

Section 3: the bias is folded in as column 0: x̂ = [1, x], ẑ = [1, z];
a = W₁x̂, z = ReLU(a), b = W₂ẑ, ŷ = σ(b), J = ℓ(y, ŷ) = (y − ŷ)².
W₁ has shape h×(d+1), W₂ shape 1×(h+1). In the handout's W_{l,i,j} the row i is
1-based and the column j 0-based (column 0 is the bias): W₂,₁,₁ is W2[0, 1].
"""

import numpy as np


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


# -- section 2: chain rule ------------------------------------------------------------


def product_partials(x):
    """For y = uv, u = sin x, v = x²: (dy/du, dy/dv, du/dx, dv/dx)."""
    return x ** 2, np.sin(x), np.cos(x), 2 * x


def chain_rule(dy_du, dy_dv, du_dx, dv_dx):
    """Multivariate chain rule: dy/dx = (dy/du)(du/dx) + (dy/dv)(dv/dx)."""
    return dy_du * du_dx + dy_dv * dv_dx


def product_derivative(x):
    """d/dx [sin(x) x²] = x² cos x + 2x sin x."""
    return x ** 2 * np.cos(x) + 2 * x * np.sin(x)


def product_rule(u, v, du_dx, dv_dx):
    """d(uv)/dx = u dv/dx + v du/dx."""
    return u * dv_dx + v * du_dx


def quotient_rule(u, v, du_dx, dv_dx):
    """d(u/v)/dx = (v du/dx − u dv/dx) / v²."""
    return (v * du_dx - u * dv_dx) / v ** 2


def quotient_derivative(x):
    """d/dx [sin(x) / x²] = (x² cos x − 2x sin x) / x⁴."""
    return (x ** 2 * np.cos(x) - 2 * x * np.sin(x)) / x ** 4


# -- section 3.1: forward pass ---------------------------------------------------------

NUM_WEIGHT_MATRICES = 2
W1_SHAPE = (2, 3)   # 2 hidden units × (1 bias + 2 inputs)
W2_SHAPE = (1, 3)   # 1 output × (1 bias + 2 hidden units)


def forward(W1, W2, x, y):
    x_hat = np.concatenate(([1.0], x))
    a = W1 @ x_hat
    z = np.maximum(a, 0.0)
    b = (W2 @ np.concatenate(([1.0], z))).item()
    y_hat = float(sigmoid(b))
    loss = (y - y_hat) ** 2
    return a, z, b, y_hat, loss


def classify(y_hat):
    """The predicted binary label: 1 when ŷ ≥ 0.5, else 0."""
    return 1 if y_hat >= 0.5 else 0


# -- section 3.2: backpropagation, one factor at a time ------------------------------------


def dJ_dyhat(y, y_hat):
    """∂ℓ/∂ŷ = −2(y − ŷ)."""
    return -2.0 * (y - y_hat)


def dyhat_db(b):
    """∂ŷ/∂b = σ(b)(1 − σ(b)) = ŷ(1 − ŷ)."""
    s = sigmoid(b)
    return s * (1 - s)


def db_dW2(z):
    """∂b/∂W₂ = ẑᵀ = [1, z₁, …]: ∂b/∂W₂,₁,ⱼ = ẑⱼ (shape of W₂)."""
    return np.concatenate(([1.0], z))[None, :]


def grad_W2(dJ_db, z):
    """∂J/∂W₂ = (∂J/∂b) ẑᵀ, shape 1×(h+1)."""
    return dJ_db * np.concatenate(([1.0], z))[None, :]


def db_dz(W2):
    """∂b/∂z = W₂ without its bias entry: ∂b/∂zᵢ = W₂,₁,ᵢ."""
    return W2[0, 1:].copy()


def dz_da(a):
    """ReLU′(a): 1 where a > 0, 0 where a < 0."""
    return (a > 0).astype(float)


def da_dW1(x):
    """∂aᵢ/∂W₁,ᵢ,ⱼ = x̂ⱼ: the row x̂ = [1, x] (the same for every hidden unit i)."""
    return np.concatenate(([1.0], x))


def grad_W1(dJ_dz, a, x):
    """∂J/∂W₁ = (∂J/∂z ∘ ReLU′(a)) x̂ᵀ, shape h×(d+1)."""
    return np.outer(dJ_dz * (a > 0), np.concatenate(([1.0], x)))


def backward(W1, W2, x, y):
    """The whole chain: (∂J/∂W₁, ∂J/∂W₂) for the loss forward(W1, W2, x, y) computes."""
    a, z, b, y_hat, _ = forward(W1, W2, x, y)
    dJ_db = dJ_dyhat(y, y_hat) * dyhat_db(b)
    return grad_W1(dJ_db * db_dz(W2), a, x), grad_W2(dJ_db, z)


def update(W1, W2, dW1, dW2, eta):
    """One stochastic gradient descent step with learning rate η."""
    return W1 - eta * dW1, W2 - eta * dW2


# -- section 3.3: parameter counting ------------------------------------------------------

PARAMS_FIRST_LINEAR = 6       # W₁: 2 × 3 (weights and biases)
PARAMS_FIRST_ACTIVATION = 0   # ReLU has no parameters
PARAMS_TOTAL = 9              # 6 + 3 (W₂: 1 × 3)


# -- known wrong answers, named in the rubric's `mistakes` ------------------------------------


def chain_rule_one_path(dy_du, dy_dv, du_dx, dv_dx):
    return dy_du * du_dx


def product_derivative_of_derivatives(x):
    """(uv)′ taken as u′v′ = cos(x) · 2x."""
    return 2 * x * np.cos(x)


def quotient_rule_sign(u, v, du_dx, dv_dx):
    return (u * dv_dx - v * du_dx) / v ** 2


def quotient_rule_no_square(u, v, du_dx, dv_dx):
    return (v * du_dx - u * dv_dx) / v


def quotient_derivative_sign(x):
    return (2 * x * np.sin(x) - x ** 2 * np.cos(x)) / x ** 4


def forward_no_bias(W1, W2, x, y):
    """The bias column ignored: a = W₁[:, 1:] x, b = W₂[:, 1:] z."""
    a = W1[:, 1:] @ x
    z = np.maximum(a, 0.0)
    b = (W2[:, 1:] @ z).item()
    y_hat = float(sigmoid(b))
    return a, z, b, y_hat, (y - y_hat) ** 2


def dJ_dyhat_sign(y, y_hat):
    return 2.0 * (y - y_hat)


def dyhat_db_misprint(b):
    """The definitions table's misprint g′(z) = g(z)(1 − e^{−z})."""
    return sigmoid(b) * (1 - np.exp(-b))


def db_dz_with_bias(W2):
    """W₂'s first h entries: the bias weight W₂,₁,₀ taken for ∂b/∂z₁ and the last unit dropped."""
    return W2[0, :-1].copy()


def grad_W2_no_bias(dJ_db, z):
    return dJ_db * z[None, :]


def grad_W1_no_bias(dJ_dz, a, x):
    return np.outer(dJ_dz * (a > 0), x)


def update_ascent(W1, W2, dW1, dW2, eta):
    return W1 + eta * dW1, W2 + eta * dW2


def _backward_with(W1, W2, x, y, forward=forward, dJ_dyhat=dJ_dyhat, dyhat_db=dyhat_db, db_dz=db_dz,
                   grad_W1=grad_W1):
    """backward() with some of its pieces replaced by known wrong ones."""
    a, z, b, y_hat, _ = forward(W1, W2, x, y)
    dJ_db = dJ_dyhat(y, y_hat) * dyhat_db(b)
    return grad_W1(dJ_db * db_dz(W2), a, x), grad_W2(dJ_db, z)


def backward_no_bias(W1, W2, x, y):
    """The chain of the right formulas, started from the forward pass that ignores the bias column."""
    return _backward_with(W1, W2, x, y, forward=forward_no_bias)


def backward_loss_sign(W1, W2, x, y):
    return _backward_with(W1, W2, x, y, dJ_dyhat=dJ_dyhat_sign)


def backward_sigmoid_misprint(W1, W2, x, y):
    return _backward_with(W1, W2, x, y, dyhat_db=dyhat_db_misprint)


def backward_db_dz_with_bias(W1, W2, x, y):
    return _backward_with(W1, W2, x, y, db_dz=db_dz_with_bias)


def _grad_W1_no_relu_mask(dJ_dz, a, x):
    return np.outer(dJ_dz, np.concatenate(([1.0], x)))


def backward_no_relu_mask(W1, W2, x, y):
    return _backward_with(W1, W2, x, y, grad_W1=_grad_W1_no_relu_mask)
