from flask_smorest import Blueprint

bp = Blueprint("objections", __name__, url_prefix="/api/v1", description="objections")
