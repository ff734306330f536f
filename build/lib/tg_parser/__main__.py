"""`tg-parser` and `python -m tg_parser`.

The console script imports only this module; the CLI (and everything it loads) is imported
when it runs. Worker processes (the export reader) re-import the main module on start,
so keeping it light keeps them small and quick to start.
"""


def main() -> None:
    from tg_parser.cli.app import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
