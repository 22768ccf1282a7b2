"""Gradescope's autograder: the bundle ``grade gradescope`` builds, and the runner its ``run_autograder`` starts.

- :mod:`.layout`: where things are in Gradescope's ``/autograder`` tree and in the bundle;
- :mod:`.bundle` (with :mod:`.wheel`): the zip of ``setup.sh``, ``run_autograder``, the rubric, its
  reference, the grader's wheel and the pinned dependencies;
- :mod:`.runner` (``python -m grader.gradescope``): grades ``/autograder/submission`` and always
  writes ``/autograder/results/results.json`` (:mod:`.documents`).
"""
