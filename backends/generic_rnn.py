"""The recurrent kernels written once over the array module ``self.xp`` (NumPy or CuPy), as in
`backends.generic`: only API that NumPy and CuPy share (a test checks each ``xp.<name>`` against CuPy)."""


class RecurrentKernels:
    """Mixed into `generic.XPBackend`; implements `base_rnn.RecurrentInterface`."""
