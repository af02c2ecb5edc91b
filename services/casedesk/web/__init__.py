"""The officers' web UI of the case desk: server-rendered pages (Jinja2) over the store and the desk."""

from services.casedesk.web.routes import build_web_router

__all__ = ["build_web_router"]
