"""The train room: the training watch (the ``@gradcheck.watch`` decorator and the ``gradcheck watch``
runner) and the health of a training run read from it.

May import: every core room (models, engine, diagnose, numerics, health), ``gradcheck.api`` (the gradient
check a watch runs) and report's records. Never rich or click (the at-exit summary imports report's
renderer only when it prints).
"""
