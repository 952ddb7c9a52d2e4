"""One module per domain of the practice app; each helper's models are imported here so Django finds them."""

from .reflections import Reflection, ReflectionPhoto  # noqa: F401
