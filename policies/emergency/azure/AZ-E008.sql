-- AZ-E008: a virtual machine has a public IP address and no network
-- security group filters it: none on the network interface that carries
-- the address, and none on that interface's subnet.
--
-- One row per VM.  Its interfaces are properties.networkProfile.
-- networkInterfaces; an ip configuration of an interface with a
-- publicIPAddress is exposed unless the interface or the configuration's
-- subnet has a networkSecurityGroup.
WITH vm_nics AS (
    SELECT v.id AS vm, v.name AS vm_name,
           lower(json_extract(n.value, '$.id')) AS nic
    FROM resources v, json_each(v.json, '$.properties.networkProfile.networkInterfaces') n
    WHERE v.type = 'azure/virtual-machine'
),
ipconfs AS (
    SELECT lower(i.id) AS nic,
           json_extract(i.json, '$.properties.networkSecurityGroup.id')
             AS nic_nsg,
           lower(json_extract(c.value, '$.properties.subnet.id')) AS subnet,
           json_extract(c.value, '$.properties.publicIPAddress.id') AS pip
    FROM resources i, json_each(i.json, '$.properties.ipConfigurations') c
    WHERE i.type = 'azure/network-interface'
),
subnets AS (
    SELECT lower(id) AS subnet,
           json_extract(json, '$.properties.networkSecurityGroup.id') AS nsg
    FROM resources
    WHERE type = 'azure/subnet'
),
exposed AS (
    SELECT vn.vm, count(c.pip) AS public_ips,
           sum(c.pip IS NOT NULL AND c.nic_nsg IS NULL AND s.nsg IS NULL)
             AS unfiltered
    FROM vm_nics vn
    LEFT JOIN ipconfs c ON c.nic = vn.nic
    LEFT JOIN subnets s ON s.subnet = c.subnet
    GROUP BY vn.vm
)
SELECT v.id AS resource_id,
       v.name AS resource_name,
       CASE WHEN coalesce(e.unfiltered, 0) > 0 THEN 'fail' ELSE 'pass' END
         AS status,
       CASE WHEN coalesce(e.unfiltered, 0) > 0
            THEN 'public IP address with no network security group on its '
                 || 'network interface or subnet'
            WHEN coalesce(e.public_ips, 0) > 0
            THEN 'public IP address filtered by a network security group'
            ELSE 'no public IP address' END AS detail,
       coalesce(e.public_ips, 0) || ' public IP(s), '
         || coalesce(e.unfiltered, 0) || ' unfiltered' AS value,
       'every public IP filtered by a network security group' AS condition
FROM resources v
LEFT JOIN exposed e ON e.vm = v.id
WHERE v.type = 'azure/virtual-machine'
