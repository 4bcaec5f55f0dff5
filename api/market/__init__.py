"""The buyers' market face: the catalogue of lots for sale (JSON and pages), expressions of
interest and offer sheets. Data from ``api.services.market``; pages drawn with ``api.web``'s
templates so they look and behave like the label and lot pages."""
