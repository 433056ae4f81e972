"""The engine room: the step and the dtype-keyed tolerances, the noise estimate, central differences and
their confirmation (smaller steps and Richardson, kinks judged by one-sided slopes in engine.kinks,
the nudge off a corner, the Taylor test), directional probes and bisection,
the per-tensor verdict, and `run_check` (engine.checker) that orchestrates them.

May import: numpy, the standard library, gradcheck.errors, models, diagnose, health and report's records.
Never rich, click, train or the top level.
"""
