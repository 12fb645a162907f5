"""The TensorBoard callback without its extra: the error names the extra (this file needs neither
tensorboardX nor tensorboard installed)."""
import os
import subprocess
import sys
import textwrap


def test_without_the_extra_construction_names_it(tmp_path):
    """tensorboardX blocked from importing, in a fresh interpreter: the error names the extra."""
    script = textwrap.dedent(f"""
        import builtins
        real_import = builtins.__import__
        def blocked(name, *args, **kwargs):
            if name.split(".")[0] == "tensorboardX":
                raise ModuleNotFoundError("No module named 'tensorboardX'")
            return real_import(name, *args, **kwargs)
        builtins.__import__ = blocked
        import kerasx as keras
        try:
            keras.callbacks.TensorBoard(log_dir={str(tmp_path / 'logs')!r})
        except ImportError as e:
            print("ImportError:", e)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.stdout.strip() == (
        "ImportError: The TensorBoard callback needs the `tensorboard` extra, which provides tensorboardX "
        "to write TensorBoard's event files: pip install 'kerasx[tensorboard]'")
    assert not os.path.exists(tmp_path / "logs")
