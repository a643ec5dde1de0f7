-- At most one published review per tenant, held by the database: two publishes at the same
-- moment cannot both win. Should an earlier race have left two, the newest stays published.
UPDATE environment_reviews SET status = 'superseded'
 WHERE status = 'published'
   AND id NOT IN (SELECT MAX(id) FROM environment_reviews WHERE status = 'published' GROUP BY tenant_id);
CREATE UNIQUE INDEX ux_reviews_published ON environment_reviews (tenant_id) WHERE status = 'published';
