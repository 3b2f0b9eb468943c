"""interview-bot: mock interviews for AI/ML product-manager roles."""

from pathlib import Path

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
