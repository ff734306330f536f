"""The MCP server: read-only tools over the knowledge base for AI agents — `tg-parser mcp`
over stdio, and ``/mcp`` in `serve` over streamable HTTP with the API's keys.

``args`` (what each tool takes) → ``tools`` (each calls the services the HTTP API calls)
→ ``shapes`` (plain JSON, channel texts quoted as untrusted data by ``quoting``);
``server`` is the one module that imports the ``mcp`` SDK; ``http`` mounts it in the API.
"""
