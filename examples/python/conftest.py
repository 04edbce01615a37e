"""examples/python/conftest.py — lets the examples' tests import torch_estimators from this folder."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
