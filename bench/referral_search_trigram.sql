-- The trigram probe in docs/performance.md: the referral list's search WHERE clause, before and
-- after orgs migration 0009's indexes, on a scratch table of 50,000 referrals named like
-- bench/referrals.py's. Run on a throwaway database:
--   psql postgres://postgres@127.0.0.1:5432/postgres -c "create database trgm_probe"
--   psql postgres://postgres@127.0.0.1:5432/trgm_probe -f bench/referral_search_trigram.sql
create table orgs_referral (id serial primary key, organisation_id int not null, merged_into_id int,
  person_name varchar(120) not null, person_postcode varchar(10) not null, referrer_name varchar(120) not null,
  referrer_reference varchar(80) not null, created_at timestamptz not null);
insert into orgs_referral (organisation_id, person_name, person_postcode, referrer_name, referrer_reference, created_at)
  select 1, 'Person ' || (g % 20000), 'LL11 1AA', '', '', now() - (g || ' minutes')::interval
  from generate_series(1, 50000) g;
create index on orgs_referral (organisation_id, created_at desc, id desc);
analyze orgs_referral;
explain analyze select id from orgs_referral where organisation_id = 1 and merged_into_id is null and (
  upper(person_name::text) like upper('%Person 19999%') or upper(person_postcode::text) like upper('%Person 19999%')
  or upper(referrer_reference::text) = upper('Person 19999') or upper(referrer_name::text) like upper('%Person 19999%'))
  order by created_at desc, id desc limit 26;
create extension if not exists pg_trgm;
create index orgs_referral_name_trgm on orgs_referral using gin (upper("person_name"::text) gin_trgm_ops);
create index orgs_referral_postcode_trgm on orgs_referral using gin (upper("person_postcode"::text) gin_trgm_ops);
create index orgs_referral_referrer_trgm on orgs_referral using gin (upper("referrer_name"::text) gin_trgm_ops);
create index orgs_referral_reference_upper on orgs_referral (upper("referrer_reference"::text));
analyze orgs_referral;
explain analyze select id from orgs_referral where organisation_id = 1 and merged_into_id is null and (
  upper(person_name::text) like upper('%Person 19999%') or upper(person_postcode::text) like upper('%Person 19999%')
  or upper(referrer_reference::text) = upper('Person 19999') or upper(referrer_name::text) like upper('%Person 19999%'))
  order by created_at desc, id desc limit 26;
