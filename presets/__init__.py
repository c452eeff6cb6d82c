"""The presets bundled with mstg (YAML files), installed as the package ``mstg.presets_data``.

``mstg presets`` lists them; :mod:`mstg.presets` reads them.
"""
