"""taskcost: what AI coding agents cost per task, not per token.

Importing the package imports nothing heavy; commands import what they need.
"""

__version__ = "0.1.0"
