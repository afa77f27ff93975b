"""What passes between Plenary's parts, and nothing else.

- ``contracts.events.<service>``: the events each service publishes (marshmallow schemas
  of an envelope's ``data``);
- ``contracts.rpc.<service>``: the payloads and answers of each service's RPC methods,
  which the gateway also uses to validate and document HTTP bodies;
- ``contracts.enums``: values both sides of a border must agree on;
- ``contracts.live``: the live-stream exchange and its messages;
- ``contracts.errors``: the errors that cross RPC intact.

Import rule (``lint-imports``): contracts imports marshmallow and plumbing's field and
envelope types only; never a service, the gateway, a database or nameko.
"""
