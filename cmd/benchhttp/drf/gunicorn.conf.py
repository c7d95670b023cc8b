# gunicorn's documented starting point: (2 × cores) + 1 sync workers.
import multiprocessing

workers = multiprocessing.cpu_count() * 2 + 1
accesslog = None
errorlog = "-"
loglevel = "warning"
