from flask_smorest import Blueprint

bp = Blueprint("subprocessors", __name__, url_prefix="/api/v1", description="subprocessors")
