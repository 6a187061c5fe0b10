"""Server-rendered pages and the small browser client of the live room."""
