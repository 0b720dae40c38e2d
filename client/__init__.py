"""The ``trivsel`` command line: quick recommendations and what-if questions at a terminal."""
