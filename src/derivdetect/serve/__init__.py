"""``derivdetect serve``: the archive as an HTTP service (``app``) over the same engine as the
CLI (``service``), with the review queue in the browser (``pages``)."""
