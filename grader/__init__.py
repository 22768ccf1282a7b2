"""grader: an auto-grader for student backpropagation homework."""

__version__ = "0.1.0"
