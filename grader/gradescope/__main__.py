"""``python -m grader.gradescope``: what the bundle's ``run_autograder`` runs once per submission."""

import sys

from .runner import main

sys.exit(main())
