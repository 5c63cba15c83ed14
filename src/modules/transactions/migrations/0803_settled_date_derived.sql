-- A transaction's settlement date is derived, not stored: an approved, non-training transaction is
-- settled once the settlement run of its business_date exists (settlement/settled-days.ts). Every
-- row gets business_date = the Shanghai day it was made and only past days are settled, so no row
-- joins a day after its run. Settlement no longer rewrites every transaction of the day.
alter table transactions drop column settled_date;
