"""The ``kiosk`` console command; each area registers its subcommands in its own module."""
