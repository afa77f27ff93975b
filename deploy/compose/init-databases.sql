-- One database per service: each service owns its data and no other service reads it.
-- Run once by the postgres image on first start (/docker-entrypoint-initdb.d).
CREATE DATABASE plenary_registration;
CREATE DATABASE plenary_sessions;
CREATE DATABASE plenary_expo;
CREATE DATABASE plenary_notifications;
CREATE DATABASE plenary_networking;
