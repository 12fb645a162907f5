"""Small datasets that ship with kerasx's dependencies (nothing is downloaded at run time)."""
from kerasx.datasets import digits
