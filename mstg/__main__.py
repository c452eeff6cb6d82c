"""``python -m mstg``: the same as the ``mstg`` command."""

from .cli.main import main

if __name__ == "__main__":  # pragma: no branch
    main()
