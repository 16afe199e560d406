-- One database per service, as in production.
CREATE DATABASE ingest;
CREATE DATABASE profile;
CREATE DATABASE routing;
CREATE DATABASE campaign;
CREATE DATABASE qa;
