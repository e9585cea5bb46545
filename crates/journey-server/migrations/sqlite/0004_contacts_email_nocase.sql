-- Emails are unique without regard to case (Ana@Example.com is ana@example.com). NOCASE folds
-- ASCII letters, which is what email domains and almost all local parts use.
CREATE UNIQUE INDEX contacts_email_nocase ON contacts (email COLLATE NOCASE);
DROP INDEX contacts_email;
