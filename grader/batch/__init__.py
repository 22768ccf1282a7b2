"""Batch grading: a whole class in one command (``grade batch``).

The stages, each a module: ``inputs`` (find each student's submission in a folder or an
export, zips extracted safely), ``bundle`` (hashes of submissions and of the rubric),
``gradebook`` (SQLite, one row per graded student, submission and rubric), ``pool`` and
``pool_worker`` (grader processes on this machine), ``dask_backend`` (a Dask cluster),
``scheduling`` (feed a backend, commit each grade as it arrives), ``analytics`` (the
class's statistics and mistakes) and ``outputs`` (CSV, feedback files, the HTML report).
"""
