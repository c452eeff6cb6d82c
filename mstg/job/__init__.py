"""The job description: a run's inputs, transforms and outputs as typed, checked data.

The command line builds a :class:`RunConfig` from its flags (:func:`from_flags`), a preset
file is one, Python code builds one directly, and one goes through plain data (dict, JSON,
YAML) and back unchanged, so a job can be written to a file or sent to another process and
run there. :meth:`mstg.Pipeline.from_config` runs one::

    import mstg

    job = mstg.RunConfig(inputs=[mstg.InputConfig("demo", duration=1)],
                         transforms=["barcode:formats=qr_code"],
                         outputs=[mstg.OutputConfig("demo.mp4", crf=28, overwrite=True)])
    text = job.to_json()                                    # to a file, another process ...
    stats = mstg.Pipeline.from_config(mstg.RunConfig.from_json(text)).run()

>>> RunConfig.from_dict({"inputs": ["testsrc"], "outputs": [{"spec": "null"}]}).outputs[0].spec
'null'
"""

from __future__ import annotations

from .config import VERSION, InputConfig, OutputConfig, RunConfig
from .flags import FLAGS, Flag, flag_for, from_flags
from .opening import OpenedJob, open_job, open_transforms
from .plain import ConfigError

__all__ = ["InputConfig", "OutputConfig", "RunConfig", "ConfigError", "VERSION", "FLAGS", "Flag",
           "flag_for", "from_flags", "OpenedJob", "open_job", "open_transforms"]
