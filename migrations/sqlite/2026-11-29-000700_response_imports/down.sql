DROP TABLE response_imports;
