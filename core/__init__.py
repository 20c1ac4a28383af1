"""Cross-cutting infrastructure: settings and logging. Imports nothing of the other packages."""
