from flask_smorest import Blueprint

bp = Blueprint("agreements", __name__, url_prefix="/api/v1", description="agreements")
