"""Course layer: exercise checks, what-if scenarios and levers, widgets, the articles' examples."""
