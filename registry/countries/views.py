from flask_smorest import Blueprint

bp = Blueprint("countries", __name__, url_prefix="/api/v1", description="countries")
