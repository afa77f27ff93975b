"""``plenary``: the one command the image and the Makefile use.

plenary run <service>        run registration|sessions|expo|notifications|networking|gateway
  [--processes N]            N of them on one port, supervised (plumbing/supervisor.py)
plenary migrate [service..]  apply each service's Alembic migrations
plenary declare [service..]  declare the RabbitMQ queues the services consume from
plenary dlq ...              list, inspect and replay dead-lettered messages
plenary mail ...             list, inspect and retry parked emails (notifications)
"""

import argparse
import importlib
import os
import sys
import warnings

from plumbing.registry import BACKEND_SERVICES, SERVICES, load_service

# eventlet announces its deprecation on import, from every process; say it once, here:
# nameko 2 needs eventlet (see STACK.md), so there is nothing for an operator to do.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def cmd_run(args):
    processes = args.processes
    if processes is None:  # the setting (GATEWAY_PROCESSES, gateway/settings.py), else 1
        processes = int(os.environ.get(f"{args.service.upper()}_PROCESSES") or 1)
    if processes > 1:
        return cmd_supervise(args.service, processes)
    import eventlet

    eventlet.monkey_patch()  # first: before anything imports socket or threading
    from nameko.cli.run import run

    from plumbing import acks
    from plumbing.config import env_config
    from plumbing.observability import configure_logging

    config = env_config(args.service)
    configure_logging(args.service, config["LOG_LEVEL"], config["LOG_FORMAT"])
    acks.install()
    run([load_service(args.service)], config)


def cmd_supervise(service, processes):
    """The parent of ``processes`` children (not monkey-patched: it only waits on them)."""
    from plumbing.config import env_config
    from plumbing.observability import configure_logging
    from plumbing.supervisor import supervise

    config = env_config(service)
    configure_logging(service, config["LOG_LEVEL"], config["LOG_FORMAT"])
    return supervise(service, processes)


def chosen_services(args):
    unknown = set(args.services) - set(BACKEND_SERVICES)
    if unknown:
        sys.exit(f"unknown service(s): {', '.join(sorted(unknown))}")
    return args.services or BACKEND_SERVICES


def cmd_migrate(args):
    from plumbing.config import env_config
    from plumbing.migrations import upgrade

    for name in chosen_services(args):
        upgrade(name, env_config(name)["DATABASE_URL"])
        print(f"migrated {name}")


def cmd_declare(args):
    from plumbing.config import env_config
    from plumbing.topology import declare

    for name in chosen_services(args):
        declare(env_config(name), [load_service(name)])
        print(f"declared queues of {name}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="plenary", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run one service")
    run.add_argument("service", choices=sorted(SERVICES))
    run.add_argument(
        "--processes",
        type=int,
        default=None,
        help="N processes sharing the port, supervised (default: GATEWAY_PROCESSES "
        "for the gateway, else 1)",
    )
    run.set_defaults(func=cmd_run)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("services", nargs="*", default=[])
    migrate.set_defaults(func=cmd_migrate)

    declare = commands.add_parser("declare", help="declare RabbitMQ queues")
    declare.add_argument("services", nargs="*", default=[])
    declare.set_defaults(func=cmd_declare)

    from plumbing import dlq

    dlq.add_commands(commands)
    # by name, like the service classes: plumbing does not import services
    importlib.import_module("services.notifications.mail_cli").add_commands(commands)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
